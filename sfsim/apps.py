from django.apps import AppConfig


class SfsimConfig(AppConfig):
    name = "sfsim"
    default_auto_field = "django.db.models.BigAutoField"
