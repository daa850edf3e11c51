from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tell the job engine about the search and purge operations.
        from search import operations
        from search.blind_index import index_written
        from vault.hooks import record_versions_written

        operations.register()
        # Blind-index rows are written with the versions, as backups store them.
        record_versions_written.subscribe(index_written)
