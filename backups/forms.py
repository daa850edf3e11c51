from django import forms

from jobs.models import Job, JobSettings

# The job settings the Create form offers.
OFFERED_SETTINGS = [
    "metadata",
    "big_objects",
    "binary_objects",
    "tag_objects",
    "history_objects",
    "feed_objects",
    "share_objects",
    "custom_metadata_type_objects",
]


class CompositeBackupForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Provide a name for this job"}),
        error_messages={"required": "Give the backup a name, so you can find it in History."},
    )
    sync = forms.BooleanField(
        required=False,
        label="Composite & Sync",
        help_text="Also compare every record Id with Salesforce to find records deleted "
        "for good (hard deletes). Takes longer.",
    )
    description = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Provide a short description (optional)"}
        ),
    )
    # On: save a user schedule (jobs/schedule_forms.ScheduleForm, prefix "schedule").
    schedule = forms.BooleanField(required=False, label="Schedule")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in OFFERED_SETTINGS:
            self.fields[name] = forms.BooleanField(
                required=False, initial=True, label=JobSettings.LABELS[name]
            )

    def settings_fields(self):
        return [self[name] for name in OFFERED_SETTINGS]

    def job_settings(self) -> JobSettings:
        return JobSettings(**{name: self.cleaned_data[name] for name in OFFERED_SETTINGS})

    def schedule_kwargs(self) -> dict:
        """For jobs.schedule_services.schedule_create, when Schedule is on."""
        data = self.cleaned_data
        operation = (
            Job.Operation.COMPOSITE_SYNC_BACKUP if data["sync"] else Job.Operation.COMPOSITE_BACKUP
        )
        return {
            "name": data["name"],
            "operation": operation,
            "settings": self.job_settings(),
            "description": data["description"],
        }


class HistoryFilterForm(forms.Form):
    """The History table's filters, read from the query string."""

    q = forms.CharField(required=False, label="Search by name")
    operation = forms.ChoiceField(
        required=False, choices=[("", "All operations"), *Job.Operation.choices]
    )
    status = forms.MultipleChoiceField(
        required=False, choices=Job.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date; pick a later one.")
        return data

    def filters(self) -> dict:
        """Keyword arguments for jobs.selectors.job_list from the valid fields only."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "operations": [data["operation"]] if data.get("operation") else None,
            "statuses": data.get("status") or None,
            "date_from": data.get("date_from") if "date_to" not in self.errors else None,
            "date_to": data.get("date_to") if "date_to" not in self.errors else None,
            "search": data.get("q") or "",
        }
