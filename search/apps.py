from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tell the job engine about the search and purge operations.
        from jobs.hooks import job_finished
        from search import operations, receivers

        operations.register()
        # The blind index follows the versions: a job that wrote segments queues it.
        job_finished.subscribe(receivers.on_job_finished)
