"""Backup forms: Create Backup (composite and templated), a backup schedule's job
settings (`BackupSettingsForm`, the schedule edit page's operation form)."""

from django import forms

from backups.job_settings import OFFERED_SETTINGS, JobSettings
from backups.operations import COMPOSITE_BACKUP, COMPOSITE_SYNC_BACKUP, TEMPLATED_BACKUP
from object_templates.models import ObjectTemplate


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
        """For schedules.services.schedule_create, when Schedule is on."""
        data = self.cleaned_data
        operation = COMPOSITE_SYNC_BACKUP if data["sync"] else COMPOSITE_BACKUP
        return {
            "name": data["name"],
            "operation": operation,
            "settings": self.job_settings().to_json(),
            "description": data["description"],
        }


class BackupSettingsForm(forms.Form):
    """A backup schedule's job settings; a user's composite schedule may also switch
    Composite & Sync on or off (which changes its operation). A Templated Backup offers
    only Metadata."""

    sync = forms.BooleanField(
        required=False,
        label="Composite & Sync",
        help_text="Also find records deleted for good (hard deletes). Takes longer.",
    )

    def __init__(self, data=None, *, operation: str, settings: dict, system: bool):
        current = JobSettings.from_json(settings)
        self.offered = ["metadata"] if operation == TEMPLATED_BACKUP else list(OFFERED_SETTINGS)
        initial = {name: getattr(current, name) for name in self.offered}
        initial["sync"] = operation == COMPOSITE_SYNC_BACKUP
        super().__init__(data, initial=initial)
        self.operation_name = operation
        if system or operation not in (COMPOSITE_BACKUP, COMPOSITE_SYNC_BACKUP):
            del self.fields["sync"]
        for name in self.offered:
            self.fields[name] = forms.BooleanField(required=False, label=JobSettings.LABELS[name])

    def settings_fields(self):
        return [self[name] for name in self.offered]

    def option_fields(self):
        return [self["sync"]] if "sync" in self.fields else []

    def settings(self) -> dict:
        return JobSettings(**{name: self.cleaned_data[name] for name in self.offered}).to_json()

    def operation(self) -> str:
        if "sync" not in self.fields:
            return self.operation_name
        return COMPOSITE_SYNC_BACKUP if self.cleaned_data["sync"] else COMPOSITE_BACKUP


class TemplatedBackupForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Provide a name for this job"}),
        error_messages={"required": "Give the backup a name, so you can find it in History."},
    )
    template: "forms.ModelChoiceField[ObjectTemplate]" = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select a template (or create one first).",
            "invalid_choice": "That template is not in this org; select one from the list.",
        },
    )
    description = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Provide a short description (optional)"}
        ),
    )
    metadata = forms.BooleanField(required=False, label=JobSettings.LABELS["metadata"])
    # On: save a user schedule (jobs/schedule_forms.ScheduleForm, prefix "schedule").
    schedule = forms.BooleanField(required=False, label="Schedule")

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates

    def job_kwargs(self) -> dict:
        """For jobs.services.job_start (operation Templated Backup)."""
        data = self.cleaned_data
        return {
            "operation": TEMPLATED_BACKUP,
            "template": data["template"],
            "name": data["name"],
            "description": data["description"],
            "settings": JobSettings(metadata=data["metadata"]).to_json(),
        }

    def schedule_kwargs(self) -> dict:
        """For schedules.services.schedule_create, when Schedule is on."""
        return self.job_kwargs()
