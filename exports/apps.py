from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tell the job engine about the export operation.
        from exports import operations
        from exports.services import exports_drop_purged, exports_reseal
        from vault.hooks import key_retiring, records_erasing

        operations.register()
        # A purge deletes the export files that may hold the purged records.
        records_erasing.subscribe(exports_drop_purged)
        # A key rotation seals the export files again before the old key is retired.
        key_retiring.subscribe(exports_reseal)
