"""Forms of the template builder: the template's name and a filter dialog."""

from django import forms

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
