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
            "lock_mode",
            "lock_days",
        ]
        labels = {
            "mode": "Keep",
            "keep_days": "Every version for (days)",
            "daily_days": "Daily snapshots for (days)",
            "weekly_weeks": "Weekly snapshots for (weeks)",
            "monthly_months": "Monthly snapshots for (months)",
            "keep_latest": "Keep the latest version of every record forever",
            "lock_mode": "Immutable storage (S3 Object Lock)",
            "lock_days": "Lock each new file for (days)",
        }
        help_texts = {
            "lock_mode": "Only on an S3 bucket created with Object Lock. Governance: only an "
            "AWS user with the bypass permission can delete early. Compliance: nobody can.",
        }
        widgets = {"mode": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lock_days"].required = False  # only with a lock mode

    def clean(self):
        data = super().clean()
        if data.get("lock_days") is None:
            data["lock_days"] = self.instance.lock_days or 30
        mode = data.get("mode")
        if mode == Mode.DAYS and not data.get("keep_days"):
            self.add_error("keep_days", "Keep versions for at least 1 day.")
        if mode == Mode.GFS and not any(
            data.get(name) for name in ("daily_days", "weekly_weeks", "monthly_months")
        ):
            self.add_error("daily_days", "Keep at least one of daily, weekly or monthly snapshots.")
        if data.get("lock_mode") and not data.get("lock_days"):
            self.add_error("lock_days", "Lock new files for at least 1 day.")
        return data


class KeyAddForm(forms.Form):
    """Settings → Encryption keys: a new key, pasted, generated or an AWS KMS key."""

    source = forms.ChoiceField(
        label="New key",
        choices=[
            ("generated", "Generate a new AES-256 key (shown once: keep it safe)"),
            ("pasted", "Paste your own AES-256 key (44 base64 characters)"),
            ("kms", "Use my AWS KMS key (OrgVault keeps only the data key it wraps)"),
        ],
        widget=forms.RadioSelect,
        initial="generated",
    )
    key_text = forms.CharField(
        label="Your key (when pasting)", required=False, widget=forms.PasswordInput
    )
    kms_key_id = forms.CharField(label="KMS key ARN", required=False, max_length=300)
    kms_region = forms.CharField(label="KMS region", required=False, max_length=64)
    kms_endpoint_url = forms.URLField(
        label="KMS endpoint (optional)", required=False, max_length=300, assume_scheme="https"
    )
    kms_access_key_id = forms.CharField(label="Access key id", required=False, max_length=255)
    kms_secret_access_key = forms.CharField(
        label="Secret access key", required=False, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("source") == "pasted" and not data.get("key_text"):
            self.add_error("key_text", "Paste the key.")
        if data.get("source") == "kms" and not data.get("kms_key_id"):
            self.add_error("kms_key_id", "Give the ARN of your KMS key.")
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
