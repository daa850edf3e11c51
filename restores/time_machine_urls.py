"""The time machine's pages and JSON API (included by restores/urls.py)."""

from django.urls import path

from restores import api, time_machine_views

RECORD = "orgs/<int:org_id>/time-machine/<str:object_name>/<str:record_id>/"
API_RECORD = "api/v1/orgs/<int:org_id>/records/<str:object_name>/<str:record_id>/"

urlpatterns = [
    path(RECORD, time_machine_views.time_machine_page, name="time_machine"),
    path(RECORD + "restore/", time_machine_views.time_machine_restore, name="time_machine_restore"),
    path(API_RECORD + "versions/", api.api_versions, name="api_versions"),
    path(API_RECORD + "compare/", api.api_compare, name="api_compare"),
    path(API_RECORD + "restore/", api.api_restore, name="api_restore"),
]
