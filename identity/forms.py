from django import forms

from identity.models import OIDCProvider
from tenants.models import User


class ProviderForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="Shown on the sign-in page: “Login with <name>”."
    )
    issuer = forms.URLField(
        label="Issuer URL",
        max_length=500,
        assume_scheme="https",
        help_text="The provider's issuer; OrgVault reads <issuer>/.well-known/"
        "openid-configuration. Use this redirect URI at the provider: {redirect_uri}",
    )
    client_id = forms.CharField(label="Client ID", max_length=255)
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Stored encrypted. Leave empty to keep the saved one.",
    )
    allowed_domains = forms.CharField(
        label="Allowed email domains",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line (example.com). Only these emails may sign in through it.",
    )
    default_role = forms.ChoiceField(
        label="Role of new users",
        choices=User.Role.choices,
        initial=User.Role.USER,
        help_text="A first SSO sign-in with an allowed domain creates the user with this role.",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, redirect_uri: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["issuer"]
        field.help_text = str(field.help_text).format(redirect_uri=redirect_uri)

    @classmethod
    def initial_for(cls, provider: OIDCProvider) -> dict:
        return {
            "name": provider.name,
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "allowed_domains": provider.allowed_domains,
            "default_role": provider.default_role,
            "enabled": provider.enabled,
        }


class PolicyForm(forms.Form):
    mfa_required = forms.BooleanField(
        label="MFA required",
        required=False,
        help_text="Users without an authenticator app must set one up at their next sign-in.",
    )
    sso_required = forms.BooleanField(
        label="SSO required",
        required=False,
        help_text="Everyone signs in with SSO, except the break-glass Admin below.",
    )
    break_glass_user = forms.ModelChoiceField(
        label="Break-glass Admin",
        queryset=User.objects.none(),
        required=False,
        help_text="Keeps signing in with a password (and MFA) if the provider fails.",
    )

    def __init__(self, *args, admins=None, **kwargs):
        super().__init__(*args, **kwargs)
        if admins is not None:
            self.fields["break_glass_user"].queryset = admins


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )
