from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "archives"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tell the job engine and the scheduler about the Templated Archive operation.
        from archives import operations
        from archives.services import archive_messages_reseal, archive_records_forget
        from vault.hooks import key_retiring, records_erasing

        operations.register()
        # A purge leaves no Id of its records in the archive results; a key rotation
        # seals the refusal messages again before the old key is retired.
        records_erasing.subscribe(archive_records_forget)
        key_retiring.subscribe(archive_messages_reseal)
