import re

from django.core.exceptions import ValidationError

PASSWORD_RULE = "at least 8 characters, with a letter, a number and a special character"  # noqa: S105 (a description, not a password)


class LetterNumberSymbolValidator:
    """A password needs a letter, a number and a special character (length is checked
    by Django's MinimumLengthValidator)."""

    def validate(self, password: str, user=None) -> None:
        missing = []
        if not re.search(r"[A-Za-z]", password):
            missing.append("a letter")
        if not re.search(r"[0-9]", password):
            missing.append("a number")
        if not re.search(r"[^A-Za-z0-9]", password):
            missing.append("a special character")
        if missing:
            needs = (
                missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
            )
            raise ValidationError(f"The password needs {needs}.", code="password_too_simple")

    def get_help_text(self) -> str:
        return f"Your password needs {PASSWORD_RULE}."
