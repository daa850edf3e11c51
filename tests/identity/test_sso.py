"""Single sign-on against a real OpenID Connect provider (django-oauth-toolkit in its own
process on loopback): discovery, the redirect, the code exchange with PKCE, and the ID
token's signature, issuer, expiry and nonce, through OrgVault's pages."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from common.outbound import REFUSED
from identity import services
from identity.models import OIDCProvider, SSOIdentity
from identity.oidc import MESSAGES
from tenants.models import AuditEvent, User
from tests.fixtures.personas import PASSWORD, make_user, sign_in
from tests.identity.conftest import provider_answer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_provider_allowed(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the test provider listens on 127.0.0.1


def make_provider(tenant, admin, oidc_provider, client_id="orgvault", **extra) -> OIDCProvider:
    values = {
        "name": "Corp IdP",
        "issuer": oidc_provider.issuer,
        "client_id": client_id,
        "client_secret": oidc_provider.client_secret,
        "allowed_domains": "corp.example",
        "default_role": User.Role.USER,
    }
    values.update(extra)
    return services.provider_save(tenant=tenant, actor=admin, **values)


@pytest.fixture
def corp(tenant_a, admin_a, oidc_provider) -> OIDCProvider:
    return make_provider(tenant_a, admin_a, oidc_provider)


@pytest.fixture
def alice(oidc_provider):
    return oidc_provider.session("alice", "alice-provider-pass")


def sso(client, tenant, provider: OIDCProvider, provider_session):
    """Step 1 of sign-in, LOGIN WITH SSO, the provider, and back to OrgVault."""
    client.post(reverse("tenants:sign_in"), {"org_name": tenant.name})
    start = client.get(reverse("identity:sso_start", args=[provider.pk]))
    assert start.status_code == 302, start.content
    authorize = start["Location"]
    assert authorize.startswith(provider.issuer + "/authorize/")
    assert "nonce=" in authorize and "code_challenge=" in authorize and "state=" in authorize
    return client.get(provider_answer(provider_session, authorize))


def test_step_two_shows_login_with_sso(client, tenant_a, corp):
    client.post(reverse("tenants:sign_in"), {"org_name": tenant_a.name})
    page = client.get(reverse("tenants:sign_in_credentials")).content.decode()
    assert "Login with SSO" in page
    assert reverse("identity:sso_start", args=[corp.pk]) in page


def test_no_sso_button_without_a_provider(client, tenant_a):
    client.post(reverse("tenants:sign_in"), {"org_name": tenant_a.name})
    assert (
        "Login with SSO" not in client.get(reverse("tenants:sign_in_credentials")).content.decode()
    )


def test_first_sso_sign_in_creates_the_user_with_the_default_role(client, tenant_a, corp, alice):
    response = sso(client, tenant_a, corp, alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:home")
    user = User.objects.get(tenant=tenant_a, email="alice@corp.example")
    assert user.role == User.Role.USER
    assert (user.first_name, user.last_name) == ("Alice", "Corp")
    assert not user.has_usable_password()
    assert client.get(reverse("orgs:home")).wsgi_request.user == user
    assert SSOIdentity.objects.filter(provider=corp, user=user).count() == 1

    # A second sign-in finds the same user through the provider's subject.
    client.post(reverse("tenants:sign_out"))
    sso(client, tenant_a, corp, alice)
    assert User.objects.filter(tenant=tenant_a, email="alice@corp.example").count() == 1
    events = AuditEvent.objects.filter(tenant=tenant_a)
    assert events.filter(action="user.created_sso").count() == 1
    assert events.filter(action="sign_in.sso", actor=user).count() == 2


def test_default_role_admin_for_new_users(client, tenant_a, admin_a, oidc_provider, alice):
    provider = make_provider(tenant_a, admin_a, oidc_provider, default_role=User.Role.ADMIN)
    sso(client, tenant_a, provider, alice)
    assert User.objects.get(tenant=tenant_a, email="alice@corp.example").is_tenant_admin


def test_an_existing_user_is_linked_by_email_and_keeps_their_role(client, tenant_a, corp, alice):
    existing = make_user(tenant_a, "Alice@corp.example", "admin")
    sso(client, tenant_a, corp, alice)
    existing.refresh_from_db()
    assert existing.is_tenant_admin
    assert SSOIdentity.objects.get(provider=corp).user == existing
    assert User.objects.filter(tenant=tenant_a).count() == 2  # admin_a and Alice


def test_an_email_outside_the_allowed_domains_is_refused(client, tenant_a, corp, oidc_provider):
    mallory = oidc_provider.session("mallory", "mallory-provider-pass")
    response = sso(client, tenant_a, corp, mallory)
    assert response.status_code == 400
    assert "elsewhere.example may not sign in" in response.content.decode()
    assert not User.objects.filter(email="mallory@elsewhere.example").exists()
    assert not response.wsgi_request.user.is_authenticated
    assert AuditEvent.objects.filter(tenant=tenant_a, action="sign_in.sso_failure").count() == 1


def test_a_deactivated_user_cannot_sign_in_by_sso(client, tenant_a, corp, alice):
    make_user(tenant_a, "alice@corp.example", is_active=False)
    response = sso(client, tenant_a, corp, alice)
    assert response.status_code == 400
    assert "deactivated" in response.content.decode()
    assert client.get(reverse("orgs:home")).status_code == 302  # still signed out


@pytest.mark.parametrize(
    ("client_id", "kind"),
    [
        ("orgvault-wrong-issuer", "issuer"),
        ("orgvault-bad-signature", "signature"),
        ("orgvault-expired", "expired"),
    ],
)
def test_bad_id_tokens_are_refused_with_a_clear_message(
    client, tenant_a, admin_a, oidc_provider, alice, client_id, kind
):
    provider = make_provider(tenant_a, admin_a, oidc_provider, client_id=client_id)
    response = sso(client, tenant_a, provider, alice)
    assert response.status_code == 400
    assert escape(MESSAGES[kind]) in response.content.decode()
    assert not User.objects.filter(email="alice@corp.example").exists()
    failure = AuditEvent.objects.get(tenant=tenant_a, action="sign_in.sso_failure")
    assert failure.detail["reason"] == MESSAGES[kind]


def test_an_id_token_for_another_sign_in_is_refused_nonce(client, tenant_a, corp, alice):
    client.post(reverse("tenants:sign_in"), {"org_name": tenant_a.name})
    authorize = client.get(reverse("identity:sso_start", args=[corp.pk]))["Location"]
    session = client.session
    pending = session[services.SESSION_SSO]
    pending["nonce"] = "another-sign-in"
    session[services.SESSION_SSO] = pending
    session.save()
    response = client.get(provider_answer(alice, authorize))
    assert response.status_code == 400
    assert escape(MESSAGES["nonce"]) in response.content.decode()
    assert not User.objects.filter(email="alice@corp.example").exists()


def test_a_callback_is_used_once_and_must_match_the_state(client, tenant_a, corp, alice):
    client.post(reverse("tenants:sign_in"), {"org_name": tenant_a.name})
    authorize = client.get(reverse("identity:sso_start", args=[corp.pk]))["Location"]
    callback = provider_answer(alice, authorize)
    forged = callback.replace("state=", "state=x")
    assert "does not match" in client.get(forged).content.decode()
    # The forged answer used up the pending sign-in: the real one is refused too.
    assert "expired or was already used" in client.get(callback).content.decode()


def test_sso_required_refuses_passwords_except_the_break_glass_admin(
    client, tenant_a, admin_a, user_a, corp
):
    services.policy_set(
        tenant=tenant_a,
        actor=admin_a,
        mfa_required=False,
        sso_required=True,
        break_glass_user=admin_a,
    )
    refused = sign_in(client, tenant_a, user_a.email, PASSWORD)
    assert refused.status_code == 403
    assert "signs in with SSO" in refused.content.decode()
    assert client.get(reverse("orgs:home")).status_code == 302

    allowed = sign_in(client, tenant_a, admin_a.email, PASSWORD)
    assert allowed.status_code == 302
    assert client.get(reverse("orgs:home")).status_code == 200


def test_sso_required_needs_a_break_glass_admin_and_a_provider(tenant_a, admin_a, user_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="break-glass"):
        services.policy_set(
            tenant=tenant_a,
            actor=admin_a,
            mfa_required=False,
            sso_required=True,
            break_glass_user=None,
        )
    with pytest.raises(ValidationError, match="Add an enabled SSO provider"):
        services.policy_set(
            tenant=tenant_a,
            actor=admin_a,
            mfa_required=False,
            sso_required=True,
            break_glass_user=admin_a,
        )
    with pytest.raises(ValidationError, match="Admin of this organization"):
        services.policy_set(
            tenant=tenant_a,
            actor=admin_a,
            mfa_required=False,
            sso_required=False,
            break_glass_user=user_a,
        )


def test_the_client_secret_is_stored_wrapped(corp, oidc_provider):
    stored = bytes(OIDCProvider.objects.get(pk=corp.pk).client_secret_wrapped)
    assert oidc_provider.client_secret.encode() not in stored
    assert services.provider_client_secret(corp) == oidc_provider.client_secret


def test_private_discovery_urls_are_refused_with_the_one_message(
    settings, client_admin_a, tenant_a, admin_a, corp, oidc_provider
):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    response = client_admin_a.post(
        reverse("identity:provider_create"),
        {
            "name": "Internal",
            "issuer": "http://169.254.169.254/latest",
            "client_id": "x",
            "client_secret": "y",
            "allowed_domains": "corp.example",
            "default_role": "user",
            "enabled": "on",
        },
    )
    assert escape(REFUSED) in response.content.decode()
    assert not OIDCProvider.objects.filter(name="Internal").exists()

    # A provider saved while allowed is not called once the operator turns it off.
    anonymous = client_admin_a.__class__()
    anonymous.post(reverse("tenants:sign_in"), {"org_name": tenant_a.name})
    response = anonymous.get(reverse("identity:sso_start", args=[corp.pk]))
    assert response.status_code == 502
    assert escape(MESSAGES["unreachable"]) in response.content.decode()


def test_settings_pages_add_edit_and_delete_a_provider(client_admin_a, tenant_a, oidc_provider):
    form = {
        "name": "Okta",
        "issuer": oidc_provider.issuer,
        "client_id": "orgvault",
        "client_secret": "s3cret-value",
        "allowed_domains": "Corp.example\nsub.corp.example",
        "default_role": "admin",
        "enabled": "on",
    }
    assert client_admin_a.post(reverse("identity:provider_create"), form).status_code == 302
    provider = OIDCProvider.objects.get(tenant=tenant_a, name="Okta")
    assert provider.domains == ["corp.example", "sub.corp.example"]
    page = client_admin_a.get(reverse("identity:sign_in_settings")).content.decode()
    assert "Okta" in page and "s3cret-value" not in page

    form.update(name="Okta EU", client_secret="")  # empty keeps the stored secret
    edit = reverse("identity:provider_edit", args=[provider.pk])
    assert "s3cret-value" not in client_admin_a.get(edit).content.decode()
    assert client_admin_a.post(edit, form).status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Okta EU"
    assert services.provider_client_secret(provider) == "s3cret-value"

    client_admin_a.post(reverse("identity:provider_delete", args=[provider.pk]))
    assert not OIDCProvider.objects.filter(pk=provider.pk).exists()
    changes = AuditEvent.objects.filter(tenant=tenant_a, action="sso.settings_changed")
    assert [e.detail["change"] for e in changes.order_by("pk")] == ["created", "updated", "deleted"]
    assert all("s3cret" not in str(e.detail) for e in changes)


def test_another_tenants_provider_is_404(
    client, client_outsider, client_user_a, tenant_a, tenant_b, outsider, oidc_provider
):
    theirs = make_provider(tenant_b, outsider, oidc_provider)
    client.post(reverse("tenants:sign_in"), {"org_name": tenant_a.name})
    assert client.get(reverse("identity:sso_start", args=[theirs.pk])).status_code == 404
    mine = make_provider(tenant_a, make_user(tenant_a, "a2@a.example", "admin"), oidc_provider)
    assert client_outsider.get(reverse("identity:provider_edit", args=[mine.pk])).status_code == 404
    assert client_user_a.get(reverse("identity:provider_edit", args=[mine.pk])).status_code == 403


def test_an_sso_sign_in_still_asks_for_mfa(client, tenant_a, admin_a, corp, alice):
    services.policy_set(
        tenant=tenant_a,
        actor=admin_a,
        mfa_required=True,
        sso_required=False,
        break_glass_user=None,
    )
    response = sso(client, tenant_a, corp, alice)
    assert response["Location"] == reverse("orgs:home")
    home = client.get(reverse("orgs:home"))
    assert home["Location"].startswith(reverse("identity:mfa_enrol"))


def test_sso_required_an_invitation_leads_to_sso_not_a_session(
    client, tenant_a, admin_a, corp, mailoutbox
):
    import re

    from tenants import services as tenant_services

    services.policy_set(
        tenant=tenant_a,
        actor=admin_a,
        mfa_required=False,
        sso_required=True,
        break_glass_user=admin_a,
    )
    invited = tenant_services.user_invite(
        actor=admin_a, email="ivy@corp.example", role=User.Role.USER, first_name="Ivy"
    )
    tenant_services.invitation_send(user=invited, invited_by=admin_a)
    link = re.search(r"https?://[^/\s]+(/invitation/\S+/)", mailoutbox[-1].body).group(1)
    password = "Ivy-long-pass-2026!"
    response = client.post(link, {"password": password, "confirm_password": password})
    assert response["Location"] == reverse("tenants:sign_in_credentials")
    assert client.get(reverse("orgs:home")).status_code == 302  # not signed in
    step_two = client.get(reverse("tenants:sign_in_credentials")).content.decode()
    assert "signs in with SSO" in step_two and "Login with SSO" in step_two
