import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.fixtures.personas import sign_in

STEP1 = reverse("tenants:sign_in")
FORGOT = reverse("tenants:password_forgot")


def link_in(message) -> str:
    return re.search(r"http://\S+", message.body).group(0).removeprefix("http://127.0.0.1:8000")


def ask_reset(client, tenant, email):
    client.post(STEP1, {"org_name": tenant.name})
    return client.post(FORGOT, {"email": email})


@pytest.mark.django_db
def test_forgot_password_emails_a_link_that_sets_a_new_password(client, user_a):
    response = ask_reset(client, user_a.tenant, "USER@a.example")

    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["user@a.example"]
    assert "Tenant A" in message.subject
    assert message.alternatives[0][1] == "text/html"
    link = link_in(message)

    assert "Choose a new password" in client.get(link).content.decode()
    response = client.post(
        link, {"password": "N3w-password-42", "confirm_password": "N3w-password-42"}
    )
    assert response["Location"] == reverse("tenants:sign_in_credentials")
    user_a.refresh_from_db()
    assert user_a.check_password("N3w-password-42")

    # The link works once, and the new password signs in.
    assert client.get(link).status_code == 400
    assert sign_in(client, user_a.tenant, user_a.email, "N3w-password-42").status_code == 302


@pytest.mark.django_db
def test_unknown_email_gets_the_same_answer_and_no_email(client, user_a, outsider):
    known = ask_reset(client, user_a.tenant, "user@a.example").content.decode()
    mail.outbox.clear()
    unknown = ask_reset(client, user_a.tenant, outsider.email).content.decode()

    assert not mail.outbox
    csrf = re.compile(r"[A-Za-z0-9]{64}")
    known = csrf.sub("CSRF", known.replace("user@a.example", "X"))
    unknown = csrf.sub("CSRF", unknown.replace(outsider.email, "X"))
    assert known == unknown


@pytest.mark.django_db
def test_deactivated_users_get_no_reset_email(client, user_a):
    user_a.is_active = False
    user_a.save()

    ask_reset(client, user_a.tenant, user_a.email)

    assert not mail.outbox


@pytest.mark.django_db
def test_new_password_must_follow_the_rules(client, user_a):
    ask_reset(client, user_a.tenant, user_a.email)
    link = link_in(mail.outbox[0])

    response = client.post(link, {"password": "password", "confirm_password": "password"})

    assert response.status_code == 200
    assert "The password needs a number and a special character." in response.content.decode()
    user_a.refresh_from_db()
    assert not user_a.check_password("password")


@pytest.mark.django_db
def test_tampered_link_is_refused(client, user_a, admin_a):
    ask_reset(client, user_a.tenant, user_a.email)
    link = link_in(mail.outbox[0])
    uid, token = link.strip("/").split("/")[-2:]
    other_uid = reverse("tenants:password_reset", args=["x", "y"]).split("/")[-3]

    tampered = token[:-1] + ("1" if token.endswith("0") else "0")  # never the same token
    assert client.get(link.replace(token, tampered)).status_code == 400
    assert client.get(link.replace(uid, other_uid)).status_code == 400
    assert "no longer works" in client.get(link.replace(token, "garbage")).content.decode()


@pytest.mark.django_db
def test_forgot_password_without_an_organization_goes_to_step_one(client):
    assert client.get(FORGOT)["Location"] == STEP1


@pytest.mark.django_db
def test_reset_requests_are_rate_limited(client, user_a):
    for _ in range(5):
        assert ask_reset(client, user_a.tenant, user_a.email).status_code == 200

    response = ask_reset(client, user_a.tenant, user_a.email)

    assert response.status_code == 429
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_a_reset_lifts_the_sign_in_block_for_that_email(client, user_a):
    for _ in range(5):
        sign_in(client, user_a.tenant, user_a.email, "Wrong-pass-1")
    assert sign_in(client, user_a.tenant, user_a.email).status_code == 429

    ask_reset(client, user_a.tenant, user_a.email)
    client.post(
        link_in(mail.outbox[0]),
        {"password": "N3w-password-42", "confirm_password": "N3w-password-42"},
    )

    assert sign_in(client, user_a.tenant, user_a.email, "N3w-password-42").status_code == 302
