from django.urls import path

from tenants import api, security_views, views

app_name = "tenants"
urlpatterns = [
    path("", views.root, name="root"),
    path("signup/", views.sign_up, name="sign_up"),
    path("signin/", views.sign_in, name="sign_in"),
    path("signin/credentials/", views.sign_in_credentials, name="sign_in_credentials"),
    path("signin/forgot/", views.password_forgot, name="password_forgot"),
    path("signout/", views.sign_out, name="sign_out"),
    path("password/reset/<uidb64>/<token>/", views.password_reset, name="password_reset"),
    path("invitation/<uidb64>/<token>/", views.invitation_accept, name="invitation_accept"),
    path("organization/", views.organization, name="organization"),
    path("organization/permitted-ips/", views.permitted_ips, name="permitted_ips"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:user_id>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("organization/groups/", security_views.group_list, name="group_list"),
    path("organization/groups/new/", security_views.group_create, name="group_create"),
    path("organization/groups/<int:group_id>/", security_views.group_detail, name="group_detail"),
    path(
        "organization/groups/<int:group_id>/delete/",
        security_views.group_delete,
        name="group_delete",
    ),
    path("organization/audit-log/", security_views.audit_log, name="audit_log"),
    path("organization/audit-log/csv/", security_views.audit_log_csv, name="audit_log_csv"),
    path("account/", security_views.account, name="account"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        security_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("api/v1/me/", api.api_me, name="api_me"),
    path("api/v1/audit-events/", api.api_audit_events, name="api_audit_events"),
    path(
        "users/<int:user_id>/invitation/",
        views.user_resend_invitation,
        name="user_resend_invitation",
    ),
]
