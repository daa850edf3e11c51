"""Forms of the generic job pages: the History table's filters."""

from django import forms

from jobs import registry
from jobs.models import Job


class HistoryFilterForm(forms.Form):
    """The History table's filters, read from the query string."""

    q = forms.CharField(required=False, label="Search by name")
    operation = forms.ChoiceField(required=False, choices=[("", "All operations")])
    status = forms.MultipleChoiceField(
        required=False, choices=Job.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    date_from = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "invalid": "The start date is not a date: use YYYY-MM-DD, e.g. 2024-01-31."
        },
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "The end date is not a date: use YYYY-MM-DD, e.g. 2024-01-31."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operation"].choices = [("", "All operations"), *registry.choices()]

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
