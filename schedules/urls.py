from django.urls import path

from schedules import views

app_name = "schedules"

SCHEDULE = "orgs/<int:org_id>/backups/schedule/<int:schedule_id>/"

urlpatterns = [
    path("orgs/<int:org_id>/backups/schedule/", views.schedule_list, name="list"),
    path("orgs/<int:org_id>/backups/schedule/preview/", views.schedule_preview, name="preview"),
    path(SCHEDULE, views.schedule_edit, name="edit"),
    path(SCHEDULE + "delete/", views.schedule_delete, name="delete"),
]
