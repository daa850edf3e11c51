from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("tenants.urls")),
    path("", include("orgs.urls")),
    path("", include("backups.urls")),
    path("", include("backups.template_urls")),
    path("", include("jobs.schedule_urls")),
]
