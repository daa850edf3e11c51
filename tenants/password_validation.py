"""The password rules beyond Django's own validators (length 12, common passwords,
similarity to the email and name, not all numeric; see AUTH_PASSWORD_VALIDATORS).

Letters are any script's letters (é, ß, Ж, 字 count), so a password in French or
Russian is not refused for lacking "a letter".
"""

import re

from django.core.exceptions import ValidationError

PASSWORD_MIN_LENGTH = 12
PASSWORD_RULE = (  # noqa: S105 (a description, not a password)
    f"at least {PASSWORD_MIN_LENGTH} characters, with a letter, a number and a special "
    "character, not a common password nor close to your email or name"
)

_LETTER = re.compile(r"[^\W\d_]")
_NUMBER = re.compile(r"\d")
_SPECIAL = re.compile(r"[\W_]")


class LetterNumberSymbolValidator:
    """A password needs a letter (of any script), a number and a special character."""

    def validate(self, password: str, user=None) -> None:
        missing = []
        if not _LETTER.search(password):
            missing.append("a letter")
        if not _NUMBER.search(password):
            missing.append("a number")
        if not _SPECIAL.search(password):
            missing.append("a special character")
        if missing:
            needs = (
                missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
            )
            raise ValidationError(f"The password needs {needs}.", code="password_too_simple")

    def get_help_text(self) -> str:
        return f"Your password needs {PASSWORD_RULE}."
