from django.apps import AppConfig


class RestoresConfig(AppConfig):
    name = "restores"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tell the job engine about the restore operation.
        from restores import operations

        operations.register()
