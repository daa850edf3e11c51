from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identity: single sign-on and MFA"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from identity import receivers
        from tenants import hooks

        user_logged_in.connect(receivers.mfa_state_on_login, dispatch_uid="identity_mfa_state")
        hooks.sign_in_options.subscribe(receivers.sso_sign_in_options)
        hooks.password_sign_in_refusals.subscribe(receivers.sso_required_refusal)
