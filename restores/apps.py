from django.apps import AppConfig


class RestoresConfig(AppConfig):
    name = "restores"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tell the job engine about the restore operation.
        from restores import operations
        from restores.services import restore_records_forget
        from vault.hooks import records_erasing

        operations.register()
        # A purge leaves no Id of its records in the restore results.
        records_erasing.subscribe(restore_records_forget)
