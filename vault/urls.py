from django.urls import path

from vault import key_views, views

app_name = "vault"

urlpatterns = [
    path(
        "orgs/<int:org_id>/settings/retention/",
        views.retention_settings,
        name="retention",
    ),
    path(
        "orgs/<int:org_id>/settings/retention/policy/",
        views.retention_policy_update,
        name="retention_policy",
    ),
    path(
        "orgs/<int:org_id>/settings/retention/holds/",
        views.hold_place,
        name="hold_place",
    ),
    path(
        "orgs/<int:org_id>/settings/retention/holds/<int:hold_id>/lift/",
        views.hold_lift,
        name="hold_lift",
    ),
    path("orgs/<int:org_id>/settings/keys/", key_views.keys_page, name="keys"),
    path("orgs/<int:org_id>/settings/keys/add/", key_views.key_add, name="key_add"),
    path("orgs/<int:org_id>/settings/keys/rotation/", key_views.key_rotation, name="key_rotation"),
]
