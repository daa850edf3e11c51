"""Forms of Settings → Retention & legal hold."""

from django import forms

from vault.models import RetentionPolicy

Mode = RetentionPolicy.Mode


class RetentionForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = [
            "mode",
            "keep_days",
            "daily_days",
            "weekly_weeks",
            "monthly_months",
            "keep_latest",
        ]
        labels = {
            "mode": "Keep",
            "keep_days": "Every version for (days)",
            "daily_days": "Daily snapshots for (days)",
            "weekly_weeks": "Weekly snapshots for (weeks)",
            "monthly_months": "Monthly snapshots for (months)",
            "keep_latest": "Keep the latest version of every record forever",
        }
        widgets = {"mode": forms.RadioSelect}

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == Mode.DAYS and not data.get("keep_days"):
            self.add_error("keep_days", "Keep versions for at least 1 day.")
        if mode == Mode.GFS and not any(
            data.get(name) for name in ("daily_days", "weekly_weeks", "monthly_months")
        ):
            self.add_error("daily_days", "Keep at least one of daily, weekly or monthly snapshots.")
        return data


class HoldForm(forms.Form):
    object_name = forms.CharField(
        label="Object (optional)",
        required=False,
        max_length=120,
        help_text="Empty: the whole org. An object API name (Contact) holds that object.",
    )
    record_id = forms.CharField(
        label="Record Id (optional)",
        required=False,
        max_length=18,
        help_text="With an object: hold only this record.",
    )
    reason = forms.CharField(
        label="Reason", max_length=500, help_text="A case or request reference, kept with the hold."
    )


class LiftForm(forms.Form):
    reason = forms.CharField(
        label="Why is the hold lifted?", max_length=500, error_messages={"required": "Say why."}
    )
