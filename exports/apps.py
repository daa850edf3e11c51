from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tell the job engine about the export operation.
        from exports import operations
        from exports.services import exports_drop_purged
        from vault.hooks import records_erasing

        operations.register()
        # A purge deletes the export files that may hold the purged records.
        records_erasing.subscribe(exports_drop_purged)
