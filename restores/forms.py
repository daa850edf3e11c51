from django import forms

from restores import selectors
from vault.selectors import object_counts_as_of, published_seq


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


class RestoreRequestForm(forms.Form):
    """One page for now (the 5-step wizard comes later)."""

    name = forms.CharField(max_length=200, required=False)
    correct_job = forms.TypedChoiceField(label="Correct backup (the last good one)", coerce=int)
    compromised_job = forms.TypedChoiceField(
        label="Compromised backup",
        coerce=int,
        required=False,
        help_text="The first backup holding the bad state; or the org as it is now.",
    )
    objects = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    filters = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one per line: Object: SOQL condition.",
    )
    field_lists = forms.CharField(
        label="Fields",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one per line: Object: Field, Field (default: every field "
        "updateable in the org now).",
    )

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                job.pk,
                f"Job {job.pk} · {job.name} · {job.finished_at or job.created_at:%b %d, %Y %H:%M}",
            )
            for job in selectors.backup_jobs(org=org)
        ]
        self.fields["correct_job"].choices = choices
        self.fields["compromised_job"].choices = [(0, "The org as it is now"), *choices]
        names = sorted(object_counts_as_of(org=org, seq=published_seq(org=org)).items())
        self.fields["objects"].choices = [(name, f"{name} ({n:,})") for name, n in names]

    def clean_filters(self) -> dict[str, str]:
        return _lines(self.cleaned_data["filters"], "condition")

    def clean_field_lists(self) -> dict[str, list[str]]:
        parsed = _lines(self.cleaned_data["field_lists"], "field list")
        return {
            name: [f.strip() for f in text.split(",") if f.strip()] for name, text in parsed.items()
        }
