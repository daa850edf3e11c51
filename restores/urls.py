from django.urls import include, path

from restores import views

app_name = "restores"

urlpatterns = [
    path("orgs/<int:org_id>/restore/", views.restore_page, name="restore"),
    path("orgs/<int:org_id>/restore/<int:request_id>/run/", views.restore_run, name="run"),
    path("orgs/<int:org_id>/restore/new/", views.wizard_new, name="wizard_new"),
    *[
        path(
            f"orgs/<int:org_id>/restore/<int:request_id>/{step}/",
            views.wizard_step,
            {"step": step},
            name=f"wizard_{step}",
        )
        for step in ("type", "backups", "objects", "settings", "finish")
    ],
    path(
        "orgs/<int:org_id>/jobs/<int:job_id>/review/data/",
        views.job_review_data,
        name="job_review_data",
    ),
    path("orgs/<int:org_id>/jobs/<int:job_id>/review/retry/", views.job_retry, name="job_retry"),
    path("orgs/<int:org_id>/jobs/<int:job_id>/review/", views.job_review, name="job_review"),
    path(
        "orgs/<int:org_id>/jobs/<int:job_id>/review/results.csv",
        views.job_results_csv,
        name="job_results_csv",
    ),
    path("", include("restores.time_machine_urls")),  # the time machine and its API
]
