from django.urls import path

from restores import views

app_name = "restores"

urlpatterns = [
    path("orgs/<int:org_id>/restore/", views.restore_page, name="restore"),
    path("orgs/<int:org_id>/restore/<int:request_id>/run/", views.restore_run, name="run"),
    path("orgs/<int:org_id>/jobs/<int:job_id>/review/", views.job_review, name="job_review"),
    path(
        "orgs/<int:org_id>/jobs/<int:job_id>/review/results.csv",
        views.job_results_csv,
        name="job_results_csv",
    ),
]
