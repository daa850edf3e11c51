"""Forms of the security pages: permission groups, the audit log's filters, API tokens."""

import datetime as dt

from django import forms
from django.utils import timezone

from tenants.audit import Action
from tenants.models import Permission, PermissionGroup, User

FILTER_DAYS_MAX = 3660


class PermissionGroupForm(forms.Form):
    name = forms.CharField(max_length=PermissionGroup._meta.get_field("name").max_length)
    permissions = forms.MultipleChoiceField(
        choices=Permission.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What the group's Users may do. Admins may always do everything.",
    )
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Users of your organization in this group.",
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = User.objects.filter(tenant=tenant, is_active=True).order_by("email")
        members.label_from_instance = lambda user: f"{user.email} ({user.get_role_display()})"


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, choices=[])
    actor = forms.CharField(required=False, max_length=254, label="User email contains")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To (included)", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = sorted({value.split(".", 1)[0] for value in Action.values if "." in value})
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        action_field.choices = [
            ("", "Any action"),
            (
                "All of a kind",
                [(f"{group}.", f"{group.replace('_', ' ')} (all)") for group in groups],
            ),
            ("One action", list(Action.choices)),
        ]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        for name in ("since", "until"):
            day = cleaned.get(name)
            if day and abs((day - timezone.localdate()).days) > FILTER_DAYS_MAX:
                self.add_error(name, "Choose a date within ten years of today.")
        return cleaned

    def filters(self) -> dict:
        """Keyword arguments for selectors.audit_event_list (an invalid form filters nothing)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        zone = timezone.get_current_timezone()

        def start(day: dt.date | None) -> dt.datetime | None:
            return dt.datetime.combine(day, dt.time.min, tzinfo=zone) if day else None

        until = data.get("until")
        return {
            "action": data.get("action") or "",
            "actor_email": data.get("actor") or "",
            "since": start(data.get("since")),
            "until": start(until + dt.timedelta(days=1)) if until else None,
        }


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        label="Token name",
        help_text="What uses it, such as “nightly report script”.",
    )
