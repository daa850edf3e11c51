from django.urls import include, path

from backups import views

app_name = "backups"

JOB = "orgs/<int:org_id>/jobs/<int:job_id>/"
RECORD = JOB + "data/<str:object_name>/<str:record_id>/"

urlpatterns = [
    path("orgs/<int:org_id>/backups/", views.overview, name="overview"),
    path("orgs/<int:org_id>/backups/history/", views.history, name="history"),
    path("orgs/<int:org_id>/backups/create/", views.create, name="create"),
    path(
        "orgs/<int:org_id>/backups/create/templated/",
        views.templated_create,
        name="create_templated",
    ),
    path(JOB + "data/", views.job_data, name="job_data"),
    path(JOB + "data/<str:object_name>/", views.job_object, name="job_object"),
    path(RECORD, views.record, name="record"),
    path(RECORD + "history/", views.record_history, name="record_history"),
    path(JOB + "settings/", views.job_settings, name="job_settings"),
    path("", include("backups.metadata_urls")),  # the Metadata tab
]
