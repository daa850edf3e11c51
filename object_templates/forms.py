"""Forms of the template builder: the template's name and a filter dialog."""

from django import forms
from django.http import QueryDict

from object_templates.models import TemplateFilter
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


NUL_MESSAGE = "The filter contains a NUL character (\\x00), which Salesforce refuses: remove it."


class FilterForm(forms.Form):
    """A filter dialog: mode, the SOQL text, and declarative rows posted as parallel lists
    (`field`, `operator`, `value`). Mode "" removes the filter.

    Invalid input (an unknown mode, a NUL character anywhere) is a form error that the
    dialog shows (`error_text()`); `state()` is what the dialog re-renders, usable
    whether or not the form is valid."""

    data: QueryDict  # request.POST: the rows are repeated fields (getlist)

    MODES = [("", "No filter"), *TemplateFilter.Mode.choices]

    mode = forms.ChoiceField(
        choices=MODES,
        required=False,
        error_messages={
            "invalid_choice": "Unknown filter mode '%(value)s': use declarative or soql."
        },
    )
    where = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"null_characters_not_allowed": NUL_MESSAGE},
    )

    def rows(self) -> list[dict]:
        fields = self.data.getlist("field")
        operators = self.data.getlist("operator")
        values = self.data.getlist("value")
        rows = []
        for field, operator, value in zip(fields, operators, values, strict=False):
            if field.strip():
                rows.append({"field": field.strip(), "operator": operator, "value": value})
        return rows

    def clean(self):
        cleaned = super().clean()
        if any("\x00" in text for row in self.rows() for text in row.values()):
            raise forms.ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")
        return cleaned

    def error_text(self) -> str:
        return " ".join(str(message) for errors in self.errors.values() for message in errors)

    def state(self) -> tuple[str, str, list[dict]]:
        """(mode, where, rows) as posted, NUL characters dropped, to re-render the dialog."""
        if self.is_valid():
            return self.cleaned_data["mode"], self.cleaned_data["where"], self.rows()
        rows = [{k: v.replace("\x00", "") for k, v in row.items()} for row in self.rows()]
        mode = self.data.get("mode", "")
        return mode, self.data.get("where", "").replace("\x00", ""), rows


OPERATORS = list(ALL_OPERATORS)
