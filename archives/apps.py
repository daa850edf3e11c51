from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "archives"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tell the job engine and the scheduler about the Templated Archive operation.
        from archives import operations

        operations.register()
