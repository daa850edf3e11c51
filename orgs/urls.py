from django.urls import path

from orgs import settings_views, views

app_name = "orgs"


def _upcoming(route: str, page: str):
    return path(route, views.upcoming, {"page": page}, name=page)


urlpatterns = [
    path("orgs/", views.home, name="home"),
    path("orgs/add/", views.org_add, name="add"),
    path("orgs/oauth/callback/", views.oauth_callback, name="oauth_callback"),
    path("orgs/connect/retry/", views.connect_retry, name="connect_retry"),
    path("orgs/connect/cancel/", views.connect_cancel, name="connect_cancel"),
    path("orgs/<int:org_id>/", views.get_started, name="get_started"),
    path("orgs/<int:org_id>/recheck/", views.org_recheck, name="recheck"),
    path("orgs/<int:org_id>/reconnect/", views.org_reconnect, name="reconnect"),
    path("orgs/<int:org_id>/settings/", settings_views.settings_general, name="settings_general"),
    path(
        "orgs/<int:org_id>/settings/recheck/",
        settings_views.settings_recheck,
        name="settings_recheck",
    ),
    path(
        "orgs/<int:org_id>/settings/operations/",
        settings_views.settings_operations,
        name="settings_operations",
    ),
    path(
        "orgs/<int:org_id>/settings/api-quota/",
        settings_views.settings_api_quota,
        name="settings_api_quota",
    ),
    path(
        "orgs/<int:org_id>/settings/delete/",
        settings_views.settings_delete,
        name="settings_delete",
    ),
    _upcoming("orgs/<int:org_id>/settings/integrations/", "settings_integrations"),
]
