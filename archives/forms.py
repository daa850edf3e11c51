from django import forms


class ArchiveSettingsForm(forms.Form):
    """An archive job's settings (also a schedule's: schedules.forms.settings_form_for)."""

    empty_recycle_bin = forms.BooleanField(
        required=False,
        label="Empty them from the Recycle Bin",
        help_text="Off by default: deleted records stay 15 days in Salesforce's Recycle Bin.",
    )

    def __init__(self, data=None, *, operation: str = "", settings=None, system: bool = False):
        initial = {"empty_recycle_bin": bool((settings or {}).get("empty_recycle_bin"))}
        super().__init__(data, initial=initial)
        self.operation_name = operation

    def settings_fields(self):
        return [self["empty_recycle_bin"]]

    def option_fields(self):
        return []

    def settings(self) -> dict:
        return {"empty_recycle_bin": bool(self.cleaned_data.get("empty_recycle_bin"))}

    def operation(self) -> str:
        return self.operation_name


class PreviewConfirmForm(forms.Form):
    """Run after the preview; production orgs type the org's name to confirm."""

    confirmation = forms.CharField(required=False, max_length=200)
    empty_recycle_bin = forms.BooleanField(required=False)
