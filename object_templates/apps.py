from django.apps import AppConfig


class ObjectTemplatesConfig(AppConfig):
    name = "object_templates"
    default_auto_field = "django.db.models.BigAutoField"
