from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py demo`: the simulator with a demo org and its history, a web server, a
    worker and the scheduler, on a laptop. At the top of the layers: it drives every app."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
