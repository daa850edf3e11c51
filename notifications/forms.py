"""Forms of Settings → Notifications."""

from decimal import Decimal

from django import forms

from jobs import registry
from notifications.models import Change, CustomRule, Event
from notifications.outbound import check_outbound_url

OBJECT_NAME_HELP = "The Salesforce object's API name, e.g. Contact or Invoice__c."


def _object_name(value: str) -> str:
    value = value.strip()
    if not value.replace("_", "").isalnum():
        raise forms.ValidationError(
            "Enter an object's API name: letters, digits and underscores, e.g. Contact."
        )
    return value


class RecipientForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter an email address.",
            "invalid": "Enter a valid email address, e.g. ops@example.com.",
        },
        help_text="A user of your organization or any outside address.",
        widget=forms.EmailInput(attrs={"list": "tenant-emails", "autocomplete": "off"}),
    )


class DefaultsForm(forms.Form):
    """One checkbox per registered operation and event: "<operation>__<event>"."""

    def __init__(self, *args, enabled: set[tuple[str, str]] = frozenset(), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.rows = []
        for operation, label in registry.choices():
            cells = []
            for event, event_label in Event.choices:
                name = f"{operation}__{event}"
                self.fields[name] = forms.BooleanField(
                    label=f"{label}: {event_label.lower()}",
                    required=False,
                    initial=(operation, event) in enabled,
                )
                cells.append(self[name])
            self.rows.append((label, cells))

    def enabled(self) -> set[tuple[str, str]]:
        return {
            tuple(name.split("__", 1))  # type: ignore[misc]
            for name, value in self.cleaned_data.items()
            if value
        }


class RuleForm(forms.Form):
    object_name = forms.CharField(
        label="Object",
        max_length=120,
        help_text=OBJECT_NAME_HELP,
        error_messages={"required": "Enter the object the rule watches, e.g. Contact."},
        widget=forms.TextInput(attrs={"list": "object-names", "autocomplete": "off"}),
    )
    change = forms.ChoiceField(label="Event", choices=Change.choices)
    comparison = forms.ChoiceField(label="When", choices=CustomRule.Comparison.choices)
    threshold = forms.IntegerField(
        label="Number of records",
        min_value=0,
        max_value=2_000_000_000,
        error_messages={
            "required": "Enter a number of records.",
            "invalid": "Enter a whole number of records, e.g. 10.",
            "min_value": "The number of records cannot be negative.",
        },
    )

    def clean_object_name(self) -> str:
        return _object_name(self.cleaned_data["object_name"])


class AnomalyRuleForm(forms.Form):
    object_name = forms.CharField(
        label="Object",
        max_length=120,
        help_text=OBJECT_NAME_HELP,
        error_messages={"required": "Enter the object to watch, e.g. Contact."},
        widget=forms.TextInput(attrs={"list": "object-names", "autocomplete": "off"}),
    )
    deviations = forms.DecimalField(
        label="Standard deviations",
        initial=Decimal(3),
        min_value=Decimal("1"),
        max_value=Decimal("20"),
        max_digits=3,
        decimal_places=1,
        help_text="How far from the 30-day mean a count must be to alert (3 is a good start).",
        error_messages={"invalid": "Enter a number such as 3 or 2.5."},
    )
    minimum_count = forms.IntegerField(
        label="Minimum records",
        initial=100,
        min_value=1,
        max_value=2_000_000_000,
        help_text="Counts below this never alert, however unusual.",
        error_messages={"invalid": "Enter a whole number of records, e.g. 100."},
    )

    def clean_object_name(self) -> str:
        return _object_name(self.cleaned_data["object_name"])


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="Webhook URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text='Receives a JSON POST with a Slack-compatible "text" field. '
        "Leave empty to turn the webhook off.",
        error_messages={"invalid": "Enter a full URL, e.g. https://hooks.example.com/orgvault."},
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if url:
            try:
                check_outbound_url(url)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return url
