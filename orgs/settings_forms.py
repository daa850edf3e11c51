"""Forms of Settings → General."""

from django import forms

from orgs.models import Org

# Django %-formats min/max messages (with limit_value), hence "%%" for a percent sign.
PERCENT_ERRORS = {
    "required": "Enter a percent from 1 to 100.",
    "invalid": "Enter a whole number from 1 to 100.",
    "min_value": "The quota must be at least 1%%.",
    "max_value": "The quota cannot be more than 100%% of the org's daily limit.",
}


class OperationsForm(forms.Form):
    scheduled_backups_enabled = forms.BooleanField(
        label="Scheduled backups",
        required=False,
        help_text="Off: no system or user scheduled backup of this org runs. "
        "You can still run a backup yourself.",
    )
    scheduled_archives_enabled = forms.BooleanField(
        label="Scheduled archives",
        required=False,
        help_text="Off: no scheduled archive of this org runs.",
    )

    @classmethod
    def for_org(cls, org: Org, data=None) -> "OperationsForm":
        initial = {
            "scheduled_backups_enabled": org.scheduled_backups_enabled,
            "scheduled_archives_enabled": org.scheduled_archives_enabled,
        }
        return cls(data, initial=initial, prefix="operations")


class ApiQuotaForm(forms.Form):
    rest_percent = forms.IntegerField(
        label="REST API (%)",
        min_value=1,
        max_value=100,
        error_messages=PERCENT_ERRORS,
        help_text="Share of the org's daily API requests that OrgVault's jobs may use.",
    )
    bulk_percent = forms.IntegerField(
        label="Bulk API (%)",
        min_value=1,
        max_value=100,
        error_messages=PERCENT_ERRORS,
        help_text="Share of the org's daily Bulk API query jobs that OrgVault may start.",
    )

    @classmethod
    def for_org(cls, org: Org, data=None) -> "ApiQuotaForm":
        initial = {
            "rest_percent": org.api_quota_rest_percent,
            "bulk_percent": org.api_quota_bulk_percent,
        }
        return cls(data, initial=initial, prefix="quota")


class DeleteConnectionForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the org's name to confirm",
        max_length=120,
        strip=False,
        error_messages={"required": "Type the org's name to confirm the deletion."},
    )

    def __init__(self, *args, org: Org, **kwargs):
        self.org = org
        kwargs.setdefault("prefix", "delete")
        super().__init__(*args, **kwargs)
        self.fields["confirm_name"].widget.attrs.update(
            {"autocomplete": "off", "placeholder": org.name}
        )

    def clean_confirm_name(self) -> str:
        typed = self.cleaned_data["confirm_name"]
        if typed != self.org.name:
            raise forms.ValidationError(
                f"That is not the org's name. Type {self.org.name} exactly "
                "(same capitals and spaces) to delete the connection."
            )
        return typed
