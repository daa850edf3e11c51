"""The Metadata tab's URLs, included by backups/urls.py (names live in "backups:")."""

from django.urls import path

from backups import metadata_views

JOB = "orgs/<int:org_id>/jobs/<int:job_id>/"

urlpatterns = [
    path(JOB + "metadata/", metadata_views.job_metadata, name="job_metadata"),
    path(
        JOB + "metadata/<str:metadata_type>/",
        metadata_views.job_metadata_type,
        name="job_metadata_type",
    ),
    path(
        JOB + "metadata/<str:metadata_type>/<int:version_id>/",
        metadata_views.job_metadata_component,
        name="job_metadata_component",
    ),
]
