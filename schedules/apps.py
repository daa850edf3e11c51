from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "schedules"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A newly connected org gets its system schedules; a tenant's new time zone
        # moves its schedules' next runs.
        from orgs.hooks import org_connected
        from schedules import services
        from tenants.hooks import time_zone_changed

        org_connected.subscribe(services.schedules_on_org_connected)
        time_zone_changed.subscribe(services.schedules_on_time_zone_changed)
