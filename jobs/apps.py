from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A queued or running job blocks deleting its org's connection.
        from jobs.selectors import active_job_ids
        from orgs import hooks

        hooks.org_active_jobs.subscribe(active_job_ids)
