"""Single sign-on providers and sign-in policies of a tenant.

MFA devices are django-otp's own models (TOTPDevice for the authenticator app,
StaticDevice for the recovery codes); identity/mfa.py drives them."""

from django.db import models

from tenants.models import Tenant, User


class OIDCProvider(models.Model):
    """An OpenID Connect identity provider a tenant's users may sign in with."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="oidc_providers")
    name = models.CharField(max_length=80, help_text="Shown on the button: Login with <name>.")
    # The issuer URL; discovery reads <issuer>/.well-known/openid-configuration.
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    # Wrapped with the master key (common.crypto.wrap_secret), never stored readable.
    client_secret_wrapped = models.BinaryField(blank=True, default=b"")
    # One domain a line, lower case: only these emails may sign in through it.
    allowed_domains = models.TextField()
    default_role = models.CharField(
        max_length=10, choices=User.Role.choices, default=User.Role.USER
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def domains(self) -> list[str]:
        return [d for d in self.allowed_domains.split() if d]

    def email_allowed(self, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""
        return bool(domain) and domain in self.domains


class SSOIdentity(models.Model):
    """Which user a provider's subject (`sub` claim) is, once linked."""

    provider = models.ForeignKey(OIDCProvider, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("provider", "subject", name="sso_identity_unique_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.subject}"


class SignInPolicy(models.Model):
    """A tenant's sign-in rules. No row means: password allowed, MFA optional."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="sign_in_policy")
    # Users without an MFA device must enrol at their next sign-in.
    mfa_required = models.BooleanField(default=False)
    # Everyone signs in by SSO except the break-glass admin, who keeps a password.
    sso_required = models.BooleanField(default=False)
    break_glass_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Sign-in policy of {self.tenant_id}"
