from django.urls import path

from jobs import views

app_name = "jobs"

JOB = "orgs/<int:org_id>/jobs/<int:job_id>/"

urlpatterns = [
    path(JOB, views.job_overview, name="job"),
    path(JOB + "abort/", views.job_abort, name="job_abort"),
    path(JOB + "logs/", views.job_logs_page, name="job_logs"),
    path(JOB + "logs.csv", views.job_logs_csv, name="job_logs_csv"),
]
