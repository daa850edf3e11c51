from django.urls import path

from identity import views

app_name = "identity"
urlpatterns = [
    path("signin/sso/<int:provider_id>/", views.sso_start, name="sso_start"),
    path("signin/sso/callback/", views.sso_callback, name="sso_callback"),
    path("signin/mfa/", views.mfa_verify, name="mfa_verify"),
    path("account/security/", views.account_security, name="account_security"),
    path("account/mfa/setup/", views.mfa_enrol, name="mfa_enrol"),
    path("account/mfa/remove/", views.mfa_remove, name="mfa_remove"),
    path("account/mfa/recovery-codes/", views.recovery_codes_renew, name="recovery_codes_renew"),
    path("organization/sign-in/", views.sign_in_settings, name="sign_in_settings"),
    path("organization/sign-in/providers/new/", views.provider_create, name="provider_create"),
    path(
        "organization/sign-in/providers/<int:provider_id>/",
        views.provider_edit,
        name="provider_edit",
    ),
    path(
        "organization/sign-in/providers/<int:provider_id>/delete/",
        views.provider_delete,
        name="provider_delete",
    ),
    path(
        "organization/sign-in/users/<int:user_id>/mfa-reset/",
        views.user_mfa_reset,
        name="user_mfa_reset",
    ),
]
