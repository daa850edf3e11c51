from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tenants import selectors, services
from tenants.models import Tenant, User
from tenants.password_validation import PASSWORD_RULE
from tenants.services import EMAIL_MAX_LENGTH
from tenants.time_zones import DEFAULT as DEFAULT_TIME_ZONE
from tenants.time_zones import time_zone_choices


class NewPasswordMixin:
    """`password` + `confirm_password`, checked against the server's password rules."""

    cleaned_data: dict[str, Any]  # a mixin of forms.Form

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password, user=self.password_user())
        return password

    def password_user(self) -> User:
        return User(email=self.cleaned_data.get("email", ""))

    def clean(self):
        cleaned = super().clean()
        password, confirm = cleaned.get("password"), cleaned.get("confirm_password")
        if password and confirm and password != confirm:
            self.add_error("confirm_password", "The two passwords differ. Type the same one twice.")
        return cleaned


def _password_field(label: str = "Password") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "data-password-rules": "password-rules"}
        ),
        help_text=f"Use {PASSWORD_RULE}.",
    )


def _confirm_field() -> forms.CharField:
    return forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "data-password-confirm": "password"}
        ),
    )


def _time_zone_field(help_text: str, *, required: bool = True) -> forms.ChoiceField:
    # Choices are a callable: the list is read once, when a form first needs it.
    return forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        initial=DEFAULT_TIME_ZONE,
        help_text=help_text,
        required=required,
    )


class OrgNameMixin:
    """`org_name`, refused when another tenant (not `self.tenant`) has it in any case."""

    tenant: Tenant | None = None

    def clean_org_name(self):
        try:
            return services.org_name_clean(name=self.cleaned_data["org_name"], tenant=self.tenant)
        except ValidationError as error:
            raise ValidationError(error.message_dict["org_name"]) from None


class SignUpForm(OrgNameMixin, NewPasswordMixin, forms.Form):
    org_name = forms.CharField(label="Organization name", max_length=120)
    time_zone = _time_zone_field(
        "Schedules run, and pages show times, in this zone (UTC if you leave it). Admins "
        "can change it later in Organization settings.",
        required=False,
    )
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Email", max_length=EMAIL_MAX_LENGTH)
    password = _password_field()
    confirm_password = _confirm_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # static/js/time_zone.js preselects the browser's zone
            self.fields["time_zone"].widget.attrs["data-time-zone-guess"] = ""

    def clean_time_zone(self):
        return self.cleaned_data["time_zone"] or DEFAULT_TIME_ZONE

    def password_user(self) -> User:
        data = self.cleaned_data
        return User(
            email=data.get("email", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
        )


class OrganizationSettingsForm(OrgNameMixin, forms.Form):
    org_name = forms.CharField(
        label="Organization name",
        max_length=120,
        help_text="What you and your colleagues type to sign in.",
    )
    time_zone = _time_zone_field(
        "Schedules run at their times in this zone, and pages show times in it. Changing "
        "it moves every schedule's next run."
    )

    def __init__(self, *args, tenant: Tenant, **kwargs):
        kwargs.setdefault("initial", {"org_name": tenant.name, "time_zone": tenant.time_zone})
        super().__init__(*args, **kwargs)
        self.tenant = tenant


class OrganizationForm(forms.Form):
    org_name = forms.CharField(
        label="Organization name",
        max_length=120,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "organization"}),
    )

    def clean_org_name(self):
        name = self.cleaned_data["org_name"].strip()
        self.tenant = selectors.tenant_get_by_name(name=name)
        if self.tenant is None:
            raise ValidationError(f"No organization named “{name}”. Check the name or sign up.")
        return name


class CredentialsForm(forms.Form):
    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request, tenant: Tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.tenant = tenant
        self.user = None

    def clean(self):
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if not email or password is None:
            return cleaned
        self.user = authenticate(self.request, tenant=self.tenant, email=email, password=password)
        if self.user is not None:
            return cleaned
        existing = selectors.user_get_in_tenant(tenant=self.tenant, email=email)
        if existing is not None and not existing.is_active and existing.check_password(password):
            raise ValidationError(
                f"Your account in {self.tenant.name} is deactivated. "
                "Ask one of its Admins to reactivate it."
            )
        raise ValidationError(
            f"Wrong email or password for {self.tenant.name}. Check them, or use “Forgot password”."
        )


class PasswordForgotForm(forms.Form):
    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class SetPasswordForm(NewPasswordMixin, forms.Form):
    password = _password_field("New password")
    confirm_password = _confirm_field()

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def password_user(self) -> User:
        return self.user


class UserCreateForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=EMAIL_MAX_LENGTH)
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    role = forms.ChoiceField(
        label="Role",
        choices=User.Role.choices,
        initial=User.Role.USER,
        help_text="Admins manage users and every org; Users work with the orgs.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=User.Role.choices)


class UserSearchForm(forms.Form):
    q = forms.CharField(label="Search by email", required=False, max_length=254)


class PermittedNetworksForm(forms.Form):
    networks = forms.CharField(
        label="Permitted IPs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="One IPv4 or IPv6 address or CIDR range per line (203.0.113.7, "
        "198.51.100.0/24, 2001:db8::/32). Leave empty to allow any address.",
    )
    confirm_lockout = forms.BooleanField(
        label="Save even though my own address is not in the list",
        required=False,
    )
