from django import forms

from exports import selectors
from exports.models import Export
from vault.selectors import published_seq


def parse_rule(text: str) -> dict:
    """ "Field operator value" (e.g. "Industry equals Banking", "Phone is null") -> a
    declarative filter row; the operator is one of soql.filters.ALL_OPERATORS."""
    from soql.filters import ALL_OPERATORS

    words = text.strip()
    for operator in sorted(ALL_OPERATORS, key=len, reverse=True):
        field, sep, value = words.partition(f" {operator}")
        if sep and field.strip() and (not value or value.startswith(" ")):
            return {"field": field.strip(), "operator": operator, "value": value.strip()}
    raise forms.ValidationError(
        f"{text!r}: write Field operator value, with an operator among {', '.join(ALL_OPERATORS)}."
    )


def parse_rules(pairs: dict[str, str]) -> dict[str, list[dict]]:
    """{object: "rule; rule"} -> {object: [rows]} (rules of one object separated by ';')."""
    return {
        name: [parse_rule(part) for part in text.split(";") if part.strip()]
        for name, text in pairs.items()
    }


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
    source = forms.ChoiceField(
        label="Export from",
        choices=[("backup", "A backup"), ("archives", "Archives")],
        initial="backup",
        required=False,
    )
    as_of_job = forms.TypedChoiceField(label="As of backup", coerce=int, required=False)
    archives_from = forms.DateField(
        label="Archives from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    archives_to = forms.DateField(
        label="Archives to", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Archives: the records of every archive job finished between the two dates, "
        "a folder per archive job.",
    )  # fmt: skip
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
    rules = forms.CharField(
        label="Filters (declarative)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one object per line, rules ANDed with ';': "
        "Object: Field operator value, e.g. Account: Industry equals Banking; "
        "Name starts with A",
    )
    children = forms.CharField(
        label="Child objects",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional, one per line: Parent: Child, Child (e.g. Account: Contact, "
        "Opportunity): only the children of the exported parent records.",
    )
    include_files = forms.BooleanField(
        label="Include files' bodies (in a files/ folder)", required=False
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

    def clean_rules(self) -> dict[str, list[dict]]:
        return parse_rules(_lines(self.cleaned_data["rules"], "rule"))

    def clean_children(self) -> dict[str, list[str]]:
        parsed = _lines(self.cleaned_data["children"], "child list")
        return {
            name: [c.strip() for c in text.split(",") if c.strip()] for name, text in parsed.items()
        }

    def clean(self):
        data = super().clean()
        if data.get("source") == "archives":
            if not data.get("archives_from") or not data.get("archives_to"):
                raise forms.ValidationError("Give the From and To dates of the archives.")
            data["as_of_job"] = None
        else:
            if not data.get("as_of_job"):
                raise forms.ValidationError("Choose the backup to export as of.")
            data["archives_from"] = data["archives_to"] = None
        return data
