from django import forms

from restores import selectors
from restores.models import RestoreRequest
from soql.filters import ALL_OPERATORS


def _lines_multi(text: str) -> list[tuple[str, str]]:
    """ "Object: text" lines -> [(object, text)] (an object may come back)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, rest = line.partition(":")
        if not sep or not name.strip() or not rest.strip():
            raise forms.ValidationError(f"Line {number}: write Object: Field | operator | value.")
        found.append((name.strip(), rest.strip()))
    return found


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


# ------------------------------------------------------------------ the 5-step wizard
class _ChoicesForm(forms.Form):
    def _choices(self, name: str, choices: list) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 — typed for mypy
        field.choices = choices


STEPS = (
    (1, "type", "Type"),
    (2, "backups", "Backups"),
    (3, "objects", "Objects"),
    (4, "settings", "Object settings"),
    (5, "finish", "Finish"),
)


class TypeForm(forms.Form):
    type = forms.ChoiceField(
        choices=RestoreRequest.Type.choices, widget=forms.RadioSelect, label="What to restore"
    )


class BackupsForm(_ChoicesForm):
    correct_job = forms.TypedChoiceField(label="Correct backup (the last good one)", coerce=int)
    compromised_job = forms.TypedChoiceField(
        label="Compromised backup",
        coerce=int,
        required=False,
        help_text="The first backup that holds the bad state. “As of this backup” restores "
        "compare the correct backup with the org as it is now.",
    )

    def __init__(self, *args, org, type: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                job.pk,
                f"Job {job.pk} · {job.name} · {job.finished_at or job.created_at:%b %d, %Y %H:%M}",
            )
            for job in selectors.backup_jobs(org=org, type=type)
        ]
        self._choices("correct_job", choices)
        later = [] if type == RestoreRequest.Type.ARCHIVE else selectors.backup_jobs(org=org)
        self._choices(
            "compromised_job",
            [
                (0, "As of this backup (the org now is the compromised side)"),
                *[(job.pk, f"Job {job.pk} · {job.name}") for job in later],
            ],
        )


class ObjectsForm(_ChoicesForm):
    objects = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    children = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Child objects"
    )
    filters = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one per line: Object: SOQL condition (or a whole SELECT), "
        "evaluated over the backup's versions, e.g. Account: Industry = 'Banking'.",
    )

    def __init__(self, *args, counts: dict[str, int], children: list[tuple[str, str]], **kw):
        super().__init__(*args, **kw)
        self._choices("objects", [(n, f"{n} ({c:,})") for n, c in sorted(counts.items())])
        self._choices("children", children)  # "Parent:Relationship" values

    conditions = forms.CharField(
        label="Declarative filters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one per line: Object: Field | operator | value, e.g. "
        "Account: Industry | equals | Banking (operators: "
        + ", ".join(ALL_OPERATORS)
        + "). Rows of an object are ANDed with each other and with its SOQL filter.",
    )

    def clean_filters(self) -> dict[str, str]:
        return _lines(self.cleaned_data["filters"], "condition")

    def clean_conditions(self) -> dict[str, list[dict]]:
        rows: dict[str, list[dict]] = {}
        for name, text in _lines_multi(self.cleaned_data["conditions"]):
            parts = [p.strip() for p in text.split("|")]
            if len(parts) == 2:
                parts.append("")
            if len(parts) != 3 or not parts[0]:
                raise forms.ValidationError(
                    f"{name}: write a declarative filter as Field | operator | value."
                )
            rows.setdefault(name, []).append(
                {"field": parts[0], "operator": parts[1], "value": parts[2]}
            )
        return rows

    def combined_filters(self) -> dict[str, str]:
        """SOQL filters with the declarative rows compiled in (soql.declarative_to_condition)."""
        import soql

        out = dict(self.cleaned_data["filters"])
        for name, rows in self.cleaned_data["conditions"].items():
            try:
                condition = soql.declarative_to_condition(rows)
            except soql.FilterError as exc:
                raise forms.ValidationError(f"{name}: {exc}") from None
            if condition is None:
                continue
            text = soql.render_condition(condition)
            out[name] = f"({out[name]}) AND ({text})" if out.get(name) else text
        return out

    def clean_children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for value in self.cleaned_data["children"]:
            parent, _, relationship = value.partition(":")
            out.setdefault(parent, []).append(relationship)
        return out


class SettingsForm(forms.Form):
    """Per object: a field list (`fields__<Object>`) and automations (`automations__<Object>`)."""

    fallback_owner_id = forms.CharField(
        label="Fallback owner (User Id)",
        required=False,
        max_length=18,
        help_text="Lookups to users no longer active in the org (owners, and other user "
        "lookups) are set to this user; leave empty to keep them (such records may fail).",
    )

    def __init__(self, *args, objects: dict[str, list], automations: dict[str, list] | None, **kw):
        super().__init__(*args, **kw)
        for name, choices in objects.items():
            self.fields[f"fields__{name}"] = forms.MultipleChoiceField(
                label=f"{name}: fields to restore",
                required=False,
                choices=[(c.name, c.label) for c in choices if c.restorable],
                widget=forms.CheckboxSelectMultiple,
            )
        for name, options in (automations or {}).items():
            self.fields[f"automations__{name}"] = forms.MultipleChoiceField(
                label=f"{name}: automations to suspend during the run",
                required=False,
                choices=options,
                widget=forms.CheckboxSelectMultiple,
            )

    def per_object(self, prefix: str) -> dict[str, list[str]]:
        return {
            key.split("__", 1)[1]: value
            for key, value in self.cleaned_data.items()
            if key.startswith(prefix + "__")
        }


class FinishForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
