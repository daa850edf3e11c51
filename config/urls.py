from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("tenants.urls")),
    path("", include("identity.urls")),
    path("", include("orgs.urls")),
    path("", include("jobs.urls")),
    path("", include("schedules.urls")),
    path("", include("object_templates.urls")),
    path("", include("backups.urls")),
    path("", include("exports.urls")),
    path("", include("restores.urls")),
    path("", include("search.urls")),
    path("", include("archives.urls")),
    path("", include("notifications.urls")),
    path("", include("analytics.urls")),
    path("", include("vault.urls")),
]
