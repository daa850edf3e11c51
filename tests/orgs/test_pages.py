"""Pages that need no Salesforce: home, the add form's own checks, per-org pages, admin."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from common import crypto
from orgs import services
from orgs.forms import ADDRESS_REFUSED
from orgs.models import Org
from orgs.pending import SESSION_KEY
from orgs.views import UPCOMING
from tests.fixtures.mfa import mfa_verified
from tests.orgs.factories import make_org

ADD = reverse("orgs:add")


def add_form(**overrides) -> dict:
    data = {
        "name": "Production",
        "org_type": "custom",
        "login_url": "https://127.0.0.1:9",
        "storage": "managed",
        "encryption_key": crypto.generate_tenant_key(),
        "client_id": "client-id",
        "client_secret": "client-secret",
    }
    data.update(overrides)
    return data


def test_home_empty_state_offers_add(client_admin_a):
    page = client_admin_a.get(reverse("orgs:home")).content.decode()
    assert "No Salesforce org is connected yet." in page
    assert f'href="{ADD}"' in page


def test_home_lists_the_tenants_orgs_only(
    client_admin_a, tenant_a, tenant_b, django_assert_max_num_queries
):
    make_org(tenant_a, "Production")
    make_org(tenant_a, "Sandbox")
    make_org(tenant_b, "Foreign")
    with django_assert_max_num_queries(6):
        page = client_admin_a.get(reverse("orgs:home")).content.decode()
    assert "Production" in page and "Sandbox" in page
    assert "Foreign" not in page
    assert "00D000000000001AAA" in page
    assert "Connected" in page


def test_users_see_orgs_but_cannot_add(client_user_a, tenant_a):
    make_org(tenant_a)
    assert client_user_a.get(reverse("orgs:home")).status_code == 200
    assert client_user_a.get(ADD).status_code == 403


def test_generate_shows_a_new_key_once_and_fills_the_field(client_admin_a):
    response = client_admin_a.post(ADD, {**add_form(encryption_key=""), "generate_key": "1"})
    page = response.content.decode()
    shown = re.search(r'<p class="mono">([A-Za-z0-9+/=]{44})</p>', page).group(1)
    assert len(crypto.parse_tenant_key(shown)) == 32
    assert f'value="{shown}"' in page
    assert "password manager" in page
    assert 'value="Production"' in page  # what was typed is kept
    again = client_admin_a.post(ADD, {**add_form(encryption_key=""), "generate_key": "1"})
    assert shown not in again.content.decode()
    assert not Org.objects.exists()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("c2hvcnQ=", "must be 32 bytes (44 base64 characters); this one is 5 bytes"),
        ("not base64 at all!", "not valid base64"),
        ("", "This field is required."),
    ],
)
def test_wrong_or_short_key_stays_on_the_form(client_admin_a, key, message):
    response = client_admin_a.post(ADD, add_form(encryption_key=key))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Org.objects.exists()
    assert SESSION_KEY not in client_admin_a.session


def test_unreachable_login_url_stays_on_the_form(client_admin_a):
    response = client_admin_a.post(ADD, add_form(login_url="https://127.0.0.1:9"))
    assert response.status_code == 200
    assert escape(ADDRESS_REFUSED) in response.content.decode()
    assert "refused" not in response.content.decode().replace(escape(ADDRESS_REFUSED), "")
    assert not Org.objects.exists()
    assert SESSION_KEY not in client_admin_a.session


def test_custom_type_needs_an_https_login_url(client_admin_a):
    page = client_admin_a.post(ADD, add_form(login_url="")).content.decode()
    assert "Enter the login URL for a custom org." in page
    page = client_admin_a.post(ADD, add_form(login_url="http://example.com")).content.decode()
    assert "The login URL must start with https://." in page


def test_own_s3_needs_bucket_and_keys(client_admin_a):
    page = client_admin_a.post(ADD, add_form(storage="s3")).content.decode()
    assert page.count("Required when you use your own S3 bucket.") == 3


def test_get_started_shows_the_connection_summary(client_user_a, tenant_a):
    org = make_org(tenant_a)
    page = client_user_a.get(reverse("orgs:get_started", args=[org.pk])).content.decode()
    for text in [
        "00D000000000001AAA",
        "Enterprise Edition",
        "integration@example.com",
        org.key_fingerprint,
        "OrgVault-managed",
        "Binary Objects",
        "Feed",
        "Run the first backup",
        reverse("schedules:list", args=[org.pk]),
    ]:
        assert text in page
    assert 'class="active"' in page and ">Get Started<" in page


@pytest.mark.parametrize("page", sorted(UPCOMING))
def test_pages_not_built_yet_say_so(client_user_a, tenant_a, page):
    org = make_org(tenant_a)
    html = client_user_a.get(reverse(f"orgs:{page}", args=[org.pk])).content.decode()
    assert "This page is not available yet." in html
    assert escape(UPCOMING[page][1]) in html


def test_another_tenants_org_is_404(client_outsider, tenant_a):
    org = make_org(tenant_a)
    for name in ["orgs:get_started", "analytics:performance", "restores:restore"]:
        assert client_outsider.get(reverse(name, args=[org.pk])).status_code == 404
    assert client_outsider.post(reverse("orgs:recheck", args=[org.pk])).status_code == 404


def test_data_key_opens_with_the_master_key_and_checks_a_typed_key(tenant_a):
    key_text = crypto.generate_tenant_key()
    org = make_org(tenant_a, key_text=key_text)
    data_key = services.org_data_key(org)
    assert len(data_key) == 32
    assert services.org_check_tenant_key(org=org, key_text=key_text) == data_key
    with pytest.raises(services.OrgKeyError, match="This is not the encryption key of org"):
        services.org_check_tenant_key(org=org, key_text=crypto.generate_tenant_key())
    with pytest.raises(services.OrgKeyError, match="must be 32 bytes"):
        services.org_check_tenant_key(org=org, key_text="c2hvcnQ=")


def test_admin_shows_fingerprint_never_secrets(admin_user, tenant_a):
    admin_client = mfa_verified(Client(), admin_user)  # the Django admin requires MFA
    org = make_org(tenant_a)
    changelist = admin_client.get(reverse("admin:orgs_org_changelist") + "?q=Production")
    assert "Production" in changelist.content.decode()
    page = admin_client.get(reverse("admin:orgs_org_change", args=[org.pk])).content.decode()
    assert org.key_fingerprint in page
    assert "wrapped" not in page
