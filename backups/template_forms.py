"""Forms of the template builder and of Create Backup → Templated Backup."""

from django import forms

from backups.models import TemplateFilter
from jobs.models import Job, JobSettings
from soql.filters import ALL_OPERATORS


class TemplateForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Provide a name for this template"}),
        error_messages={"required": "Give the template a name."},
    )
    description = forms.CharField(
        required=False,
        max_length=2000,
        label="Backup Template",
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "What this template is for (optional)"}
        ),
    )


class FilterForm(forms.Form):
    """A filter dialog: mode, the SOQL text, and declarative rows posted as parallel lists
    (`field`, `operator`, `value`). Mode "" removes the filter."""

    MODES = [("", "No filter"), *TemplateFilter.Mode.choices]

    mode = forms.ChoiceField(choices=MODES, required=False)
    where = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def rows(self) -> list[dict]:
        fields = self.data.getlist("field")
        operators = self.data.getlist("operator")
        values = self.data.getlist("value")
        rows = []
        for field, operator, value in zip(fields, operators, values, strict=False):
            if field.strip():
                rows.append({"field": field.strip(), "operator": operator, "value": value})
        return rows


OPERATORS = list(ALL_OPERATORS)


class TemplatedBackupForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Provide a name for this job"}),
        error_messages={"required": "Give the backup a name, so you can find it in History."},
    )
    template = forms.ModelChoiceField(
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
        """For template_services.templated_backup_start."""
        data = self.cleaned_data
        return {
            "template": data["template"],
            "name": data["name"],
            "description": data["description"],
            "settings": JobSettings(metadata=data["metadata"]),
        }

    def schedule_kwargs(self) -> dict:
        """For jobs.schedule_services.schedule_create, when Schedule is on."""
        return {"operation": Job.Operation.TEMPLATED_BACKUP, **self.job_kwargs()}
