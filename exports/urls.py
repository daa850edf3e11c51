from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("orgs/<int:org_id>/export/", views.export_page, name="export"),
    path(
        "orgs/<int:org_id>/exports/<int:export_id>/download/",
        views.export_download,
        name="download",
    ),
    path("orgs/<int:org_id>/jobs/<int:job_id>/download/", views.job_download, name="job_download"),
]
