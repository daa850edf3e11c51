from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from analytics.receivers import record_job_stats
        from jobs import hooks

        hooks.job_finished.subscribe(record_job_stats)
