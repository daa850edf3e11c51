"""Signed, expiring tokens for emailed links (password reset, invitation).

Django's PasswordResetTokenGenerator hashes the user's id, password hash, last login
and email, so a token stops working once the password is set. Its expiry is one
global setting; these subclasses each carry their own `max_age` and salt, so a reset
link cannot be used as an invitation link and the two expire independently.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode


class ExpiringTokenGenerator(PasswordResetTokenGenerator):
    max_age: int = 24 * 3600

    def check_token(self, user, token) -> bool:
        if not (user and token):
            return False
        ts_b36, _, _ = str(token).partition("-")
        try:
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > self.max_age:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


class PasswordResetToken(ExpiringTokenGenerator):
    key_salt = "orgvault.tenants.password_reset"
    max_age = 24 * 3600


class InvitationToken(ExpiringTokenGenerator):
    key_salt = "orgvault.tenants.invitation"
    max_age = 7 * 24 * 3600


password_reset_token = PasswordResetToken()
invitation_token = InvitationToken()


def encode_uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def decode_uid(uidb64: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
