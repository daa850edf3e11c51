"""Per-user API tokens: stored hashed, shown once, revocable; the JSON API answers the
token's user only, and a tenant's permitted IPs apply to API requests as to pages."""

import hashlib

import pytest
from django.urls import reverse

from tenants.api_tokens import api_token_create, api_token_revoke, api_user
from tenants.models import ApiToken, Tenant

ME = reverse("tenants:api_me")
OFFICE = "203.0.113.7"


def _bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.django_db
def test_a_token_is_stored_hashed_and_answers_for_its_user(client, user_a):
    token, secret = api_token_create(user=user_a, name="CI script")

    row = ApiToken.objects.get(pk=token.pk)
    assert secret not in (row.token_hash, row.prefix, row.name)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row.prefix)

    response = client.get(ME, **_bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user_a.email
    assert body["tenant"]["name"] == "Tenant A"
    assert body["permissions"] == []
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["", "Bearer ", "Bearer ovt_not-a-token", "Basic dXNlcjpwYXNz", "Token ovt_x"],
)
def test_no_valid_token_gets_401(client, user_a, header):
    api_token_create(user=user_a, name="real one")
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(ME, **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_a_revoked_token_or_a_deactivated_user_gets_401(client, user_a, admin_a):
    token, secret = api_token_create(user=user_a, name="old")
    assert client.get(ME, **_bearer(secret)).status_code == 200

    api_token_revoke(actor=user_a, token_id=token.pk)
    assert client.get(ME, **_bearer(secret)).status_code == 401

    _, other = api_token_create(user=user_a, name="new")
    user_a.is_active = False
    user_a.save(update_fields=["is_active"])
    assert client.get(ME, **_bearer(other)).status_code == 401


@pytest.mark.django_db
def test_another_users_token_cannot_be_revoked(user_a, outsider):
    from django.http import Http404

    token, _ = api_token_create(user=user_a, name="mine")
    with pytest.raises(Http404):
        api_token_revoke(actor=outsider, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_api_user_reads_the_bearer_header(rf, user_a):
    _, secret = api_token_create(user=user_a, name="x")
    request = rf.get("/", **_bearer(secret))
    assert api_user(request) == user_a
    assert api_user(rf.get("/")) is None


@pytest.mark.django_db
def test_a_blocked_address_gets_403_on_a_page_and_on_an_api_url(
    client, client_admin_a, admin_a, user_a
):
    _, secret = api_token_create(user=user_a, name="x")
    Tenant.objects.filter(pk=admin_a.tenant_id).update(permitted_networks="198.51.100.0/24")

    page = client_admin_a.get(reverse("tenants:users"), REMOTE_ADDR=OFFICE)
    assert page.status_code == 403
    api = client.get(ME, REMOTE_ADDR=OFFICE, **_bearer(secret))
    assert api.status_code == 403
    assert api.json() == {"error": "Access denied from this address."}
    audit_api = client.get(
        reverse("tenants:api_audit_events"), REMOTE_ADDR=OFFICE, **_bearer(secret)
    )
    assert audit_api.status_code == 403
    request_ok = client.get(ME, REMOTE_ADDR="198.51.100.9", **_bearer(secret))
    assert request_ok.status_code == 200


@pytest.mark.django_db
def test_the_audit_api_is_for_admins_and_scoped_to_the_tenant(client, admin_a, user_a, outsider):
    from tenants.audit import audit_record

    audit_record(tenant=admin_a.tenant, action="org.connected", actor=admin_a, target="Org 1")
    audit_record(tenant=outsider.tenant, action="org.connected", actor=outsider, target="Org 2")
    _, admin_secret = api_token_create(user=admin_a, name="a")
    _, user_secret = api_token_create(user=user_a, name="u")

    assert (
        client.get(reverse("tenants:api_audit_events"), **_bearer(user_secret)).status_code == 403
    )
    events = client.get(reverse("tenants:api_audit_events"), **_bearer(admin_secret)).json()
    connects = [e["target"] for e in events["events"] if e["action"] == "org.connected"]
    assert connects == ["Org 1"]
    assert all(e["actor"] != outsider.email for e in events["events"])


@pytest.mark.django_db
def test_the_account_page_creates_shows_once_lists_and_revokes(client_user_a, client, user_a):
    from tenants.models import AuditEvent

    page = client_user_a.post(reverse("tenants:account"), {"name": "nightly script"})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    token = ApiToken.objects.get(user=user_a)
    secret = html.split('<code id="new-token">', 1)[1].split("</code>", 1)[0]
    assert secret.startswith(token.prefix)
    assert client.get(ME, **_bearer(secret)).status_code == 200

    again = client_user_a.get(reverse("tenants:account")).content.decode()
    assert "nightly script" in again and token.prefix in again
    assert secret not in again

    revoke = client_user_a.post(reverse("tenants:api_token_revoke", args=[token.pk]))
    assert revoke.status_code == 302
    assert client.get(ME, **_bearer(secret)).status_code == 401
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["api_token.created", "api_token.revoked"]
