"""The password rules: Django's validators (length 12, common passwords, similarity to
the email and name, not all numeric) plus a letter, a number and a special character,
where a letter of any script counts."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tenants.models import User


def _errors(password: str, user: User | None = None) -> str:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt!pass1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("123456789012", "This password is entirely numeric."),
        ("abcdefghijk!", "The password needs a number."),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, message):
    assert message in _errors(password)


def test_a_password_close_to_the_email_or_name_is_refused():
    user = User(email="margaret.hamilton@acme.example", first_name="Margaret", last_name="Hamilton")
    assert "too similar to the email" in _errors("margaret.hamilton@acme.ex1", user)
    other = User(email="mh@acme.example", first_name="Margaret", last_name="Hamilton-Smythe")
    assert "too similar to the last name" in _errors("Hamilton-Smythe1", other)


@pytest.mark.parametrize(
    "password", ["Éléphant-rose-7", "Пароль-надёжный-42", "密码很安全的口令-1234"]
)
def test_letters_of_any_script_count_as_letters(password):
    assert _errors(password) == ""


def test_a_strong_password_passes():
    user = User(email="ada@acme.example", first_name="Ada", last_name="Lovelace")
    assert _errors("Str0ng!passphrase", user) == ""
