from django.urls import path

from archives import views

app_name = "archives"

JOB = "orgs/<int:org_id>/jobs/<int:job_id>/archive/"

urlpatterns = [
    path("orgs/<int:org_id>/archives/create/", views.create, name="create"),
    path(
        "orgs/<int:org_id>/archives/templates/<int:template_id>/preview/",
        views.preview,
        name="preview",
    ),
    path(JOB + "data/", views.job_data, name="job_data"),
    path(JOB + "data/<str:object_name>/", views.job_object, name="job_object"),
    path(JOB + "file/", views.job_file, name="job_file"),
    path(JOB + "results/", views.job_results, name="job_results"),
    path(JOB + "results.csv", views.job_results_csv, name="job_results_csv"),
]
