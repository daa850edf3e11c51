from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Jobs tell who listens that a job started or finished; we turn that into
        # Delivery rows and queue tasks (never slowing or failing the job).
        from jobs import hooks
        from notifications import services

        hooks.job_started.subscribe(services.on_job_started)
        hooks.job_finished.subscribe(services.on_job_finished)
