from django import forms

from exports import selectors
from exports.models import Export
from vault.selectors import published_seq


def _lines(text: str, what: str) -> dict[str, str]:
    """ "Object: text" lines -> {object: text}."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, rest = line.partition(":")
        if not sep or not name.strip() or not rest.strip():
            raise forms.ValidationError(
                f"Line {number}: write one {what} per line as Object: {what}."
            )
        found[name.strip()] = rest.strip()
    return found


class ExportForm(forms.Form):
    as_of_job = forms.TypedChoiceField(label="As of backup", coerce=int)
    objects = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    filters = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one per line: Object: SOQL condition, e.g. "
        "Account: Industry = 'Banking' AND CreatedDate = LAST_YEAR",
    )
    field_lists = forms.CharField(
        label="Fields",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one per line: Object: Id, Name, ... (default: every field).",
    )
    format = forms.ChoiceField(choices=Export.Format.choices, initial=Export.Format.CSV)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        jobs = selectors.source_jobs(org=org)
        self.fields["as_of_job"].choices = [
            (
                job.pk,
                f"Job {job.pk} · {job.name} · {job.finished_at or job.created_at:%b %d, %Y %H:%M}",
            )
            for job in jobs
        ]
        names = selectors.objects_as_of(org=org, seq=published_seq(org=org))
        self.fields["objects"].choices = [(name, f"{name} ({n:,})") for name, n in names.items()]

    def clean_filters(self) -> dict[str, str]:
        return _lines(self.cleaned_data["filters"], "condition")

    def clean_field_lists(self) -> dict[str, list[str]]:
        parsed = _lines(self.cleaned_data["field_lists"], "field list")
        return {
            name: [f.strip() for f in text.split(",") if f.strip()] for name, text in parsed.items()
        }
