"""Connecting an org through the pages, against the running simulator.

The person's browser is played by `requests` at the simulator's login and consent
pages (tests/orgs/browser.py); where the simulator sends the browser back, the URL
is handed to Django's test client.
"""

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from common import crypto
from common.storage import org_storage
from orgs.models import ObjectCatalogEntry, Org
from orgs.pending import SESSION_KEY
from orgs.services import org_client, org_data_key
from tenants.models import AuditEvent
from tests.fixtures.personas import sign_in
from tests.orgs import browser
from tests.orgs.conftest import S3_KEY_ID, S3_SECRET, s3_client

ADD = reverse("orgs:add")


@pytest.fixture
def creds(sfsim) -> dict:
    return sfsim.credentials[0]


@pytest.fixture
def without_view_all_data(sfsim, creds):
    """The simulator's user without View All Data for the test, given back afterwards."""
    sfsim.manage("permission", "--username", creds["username"], "--name", "ViewAllData", "--off")
    try:
        yield
    finally:
        sfsim.manage("permission", "--username", creds["username"], "--name", "ViewAllData", "--on")


def add_form(sfsim, creds, **overrides) -> dict:
    data = {
        "name": "Production",
        "org_type": "custom",
        "login_url": creds["login_url"],
        "storage": "managed",
        "encryption_key": crypto.generate_tenant_key(),
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        # Pasted as PEM text, as a person copies it from their CA (never a server path).
        "ca_certificates": Path(sfsim.ca_path).read_text(),
    }
    data.update(overrides)
    return data


def start(client: Client, sfsim, creds, **overrides) -> str:
    """Submit the Add Salesforce Org form; return the authorize URL it redirects to."""
    response = client.post(ADD, add_form(sfsim, creds, **overrides))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"].startswith(
        f"{creds['login_url'].rstrip('/')}/services/oauth2/authorize?"
    )
    return response["Location"]


def round_trip(client: Client, sfsim, creds, decision: str = "allow", **overrides):
    """Start, log in at the simulator, and return Django's answer to the callback."""
    url = start(client, sfsim, creds, **overrides)
    outcome = browser.log_in(sfsim.session(), url, creds["username"], creds["password"], decision)
    assert outcome.response.status_code == 302, outcome.response.text
    return client.get(outcome.callback)


def test_sign_up_sign_in_add_org_oauth_check_catalog_get_started(sfsim, creds, db):
    client = Client()
    signed_up = client.post(
        reverse("tenants:sign_up"),
        {
            "org_name": "Acme Corp",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@acme.example",
            "password": "Str0ng!passphrase",
            "confirm_password": "Str0ng!passphrase",
        },
    )
    assert signed_up.status_code == 302
    client.post(reverse("tenants:sign_out"))
    tenant = apps.get_model("tenants", "Tenant").objects.get(name="Acme Corp")
    signed_in = sign_in(client, tenant, "ada@acme.example", "Str0ng!passphrase")
    assert signed_in.status_code == 302
    assert (
        "No Salesforce org is connected yet." in client.get(reverse("orgs:home")).content.decode()
    )

    answer = round_trip(client, sfsim, creds)

    org = Org.objects.get(tenant=tenant)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("orgs:get_started", args=[org.pk])
    assert org.status == Org.Status.CONNECTED
    assert org.sf_org_id == creds["org_id"]
    assert org.sf_username == creds["username"]
    assert org.edition and org.connected_at and org.checked_at
    assert org.refresh_token_wrapped and org.tenant_key_wrapped and org.data_key_wrapped
    names = set(ObjectCatalogEntry.objects.filter(org=org).values_list("name", flat=True))
    assert {"Account", "Contact", "AccountHistory", "AccountFeed", "AccountShare"} <= names
    account = ObjectCatalogEntry.objects.get(org=org, name="Account")
    assert (account.key_prefix, account.queryable, account.custom) == ("001", True, False)
    categories = set(ObjectCatalogEntry.objects.filter(org=org).values_list("category", flat=True))
    assert {"big_object", "custom_metadata", "binary", "history", "feed", "share"} <= categories
    assert SESSION_KEY not in client.session

    page = client.get(answer["Location"]).content.decode()
    assert f"Connected {org.name}." in page
    assert creds["org_id"] in page and org.key_fingerprint in page
    assert "Big Objects" in page and "Run the first backup" in page
    assert "Production" in client.get(reverse("orgs:home")).content.decode()
    # One audit event: who connected which org, with the key's fingerprint (not the key).
    (connected,) = AuditEvent.objects.filter(tenant=tenant, action="org.connected")
    assert connected.actor_email == "ada@acme.example" and connected.target == f"Org {org.pk}"
    assert connected.detail["key_fingerprint"] == org.key_fingerprint
    assert org.ca_bundle.startswith("-----BEGIN CERTIFICATE-----")  # the pasted PEM


def test_connected_org_gives_a_working_client_and_data_key(sfsim, creds, client_admin_a):
    round_trip(client_admin_a, sfsim, creds)
    org = Org.objects.get()
    client = org_client(org)
    assert client.organization().org_id == creds["org_id"]
    assert client.query("SELECT Id FROM Account LIMIT 1")[0]["Id"].startswith("001")
    assert client.api_usage is not None and client.api_usage.used > 0
    assert len(org_data_key(org)) == 32


def test_wrong_password_at_the_login_page_saves_nothing(sfsim, creds, client_admin_a):
    url = start(client_admin_a, sfsim, creds)
    outcome = browser.log_in(sfsim.session(), url, creds["username"], "wrong-password", "allow")
    assert outcome.response.status_code == 401
    assert "Please check your username and password" in outcome.response.text
    assert not Org.objects.exists()


def test_unknown_client_id_is_refused_by_salesforce_and_saves_nothing(sfsim, creds, client_admin_a):
    url = start(client_admin_a, sfsim, creds, client_id="3MVG9-not-a-real-app")
    page = sfsim.session().get(url, timeout=30)
    assert page.status_code == 400
    assert "invalid_client_id" in page.text
    assert not Org.objects.exists()


def test_wrong_client_secret_fails_at_the_code_exchange(sfsim, creds, client_admin_a):
    answer = round_trip(client_admin_a, sfsim, creds, client_secret="not-the-secret")
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Salesforce refused the client secret" in page
    assert "Nothing was saved. Try again." in page
    assert not Org.objects.exists()
    assert SESSION_KEY not in client_admin_a.session


def test_denied_consent_saves_nothing(sfsim, creds, client_admin_a):
    answer = round_trip(client_admin_a, sfsim, creds, decision="deny")
    assert answer.status_code == 400
    assert (
        "You denied access in Salesforce. Nothing was saved. Try again and choose Allow."
        in answer.content.decode()
    )
    assert not Org.objects.exists()
    assert SESSION_KEY not in client_admin_a.session


def test_other_oauth_errors_are_shown_and_save_nothing(sfsim, creds, client_admin_a):
    url = start(client_admin_a, sfsim, creds)
    state = parse_qs(urlsplit(url).query)["state"][0]
    query = urlencode({"error": "server_error", "error_description": "try later", "state": state})
    answer = client_admin_a.get(f"{reverse('orgs:oauth_callback')}?{query}")
    assert answer.status_code == 400
    assert "Salesforce did not connect the org: try later." in answer.content.decode()
    assert not Org.objects.exists()
    assert SESSION_KEY not in client_admin_a.session


def test_a_callback_with_a_foreign_state_is_refused(sfsim, creds, client_admin_a):
    start(client_admin_a, sfsim, creds)
    answer = client_admin_a.get(reverse("orgs:oauth_callback") + "?code=abc&state=forged")
    assert answer.status_code == 400
    assert "does not match a connection started in this browser" in answer.content.decode()
    assert not Org.objects.exists()


def test_missing_permission_shows_what_to_grant_and_retry_connects(
    sfsim, creds, client_admin_a, without_view_all_data
):
    answer = round_trip(client_admin_a, sfsim, creds)
    page = answer.content.decode()
    assert answer.status_code == 403
    assert "View All Data" in page and "Modify All Data" not in page
    assert "Permission Sets" in page and "Retry" in page
    assert not Org.objects.exists()

    still_missing = client_admin_a.post(reverse("orgs:connect_retry"))
    assert still_missing.status_code == 403
    assert not Org.objects.exists()

    sfsim.manage("permission", "--username", creds["username"], "--name", "ViewAllData", "--on")
    retried = client_admin_a.post(reverse("orgs:connect_retry"))
    org = Org.objects.get()
    assert retried["Location"] == reverse("orgs:get_started", args=[org.pk])
    assert org.status == Org.Status.CONNECTED


def test_cancel_after_missing_permission_saves_nothing(
    sfsim, creds, client_admin_a, without_view_all_data
):
    round_trip(client_admin_a, sfsim, creds)
    answer = client_admin_a.post(reverse("orgs:connect_cancel"), follow=True)
    assert "The connection was cancelled. Nothing was saved." in answer.content.decode()
    assert not Org.objects.exists()
    assert SESSION_KEY not in client_admin_a.session


def test_recheck_records_a_permission_taken_away_later(sfsim, creds, client_admin_a):
    round_trip(client_admin_a, sfsim, creds)
    org = Org.objects.get()
    sfsim.manage("permission", "--username", creds["username"], "--name", "ViewAllData", "--off")
    try:
        page = client_admin_a.post(reverse("orgs:recheck", args=[org.pk]), follow=True)
    finally:
        sfsim.manage("permission", "--username", creds["username"], "--name", "ViewAllData", "--on")
    org.refresh_from_db()
    assert org.status == Org.Status.CHECK_FAILED
    assert "The Salesforce user lacks: View All Data." in page.content.decode()
    client_admin_a.post(reverse("orgs:recheck", args=[org.pk]))
    org.refresh_from_db()
    assert (org.status, org.check_message) == (Org.Status.CONNECTED, "")


def test_bad_s3_bucket_stays_on_the_form(sfsim, creds, client_admin_a, s3_endpoint):
    response = client_admin_a.post(
        ADD,
        add_form(
            sfsim,
            creds,
            storage="s3",
            s3_bucket="no-such-bucket-here",
            s3_endpoint_url=s3_endpoint,
            s3_region="us-east-1",
            s3_access_key_id=S3_KEY_ID,
            s3_secret_access_key=S3_SECRET,
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The S3 bucket &#x27;no-such-bucket-here&#x27; cannot be used" in page
    assert "NoSuchBucket" in page and "Check the bucket name" in page
    assert not Org.objects.exists()
    assert SESSION_KEY not in client_admin_a.session


def _column_values(table: str):
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from introspection
        for row in cursor.fetchall():
            yield from row
    if table == Session._meta.db_table:  # session data is encoded: look inside too
        for session in Session.objects.all():
            yield json.dumps(session.get_decoded())


def test_database_holds_no_secret_in_plaintext(
    sfsim, creds, client_admin_a, s3_endpoint, s3_bucket, without_view_all_data
):
    key_text = crypto.generate_tenant_key()
    s3 = {
        "storage": "s3",
        "s3_bucket": s3_bucket,
        "s3_endpoint_url": s3_endpoint,
        "s3_region": "us-east-1",
        "s3_access_key_id": S3_KEY_ID,
        "s3_secret_access_key": S3_SECRET,
    }
    # A first attempt stops at missing permissions: its pending connection (with the
    # refresh token) waits in the session table while a second org is connected.
    round_trip(client_admin_a, sfsim, creds, encryption_key=key_text, **s3)
    sfsim.manage("permission", "--username", creds["username"], "--name", "ViewAllData", "--on")
    other = Client()
    other.force_login(apps.get_model("tenants", "User").objects.get(email="admin@a.example"))
    round_trip(other, sfsim, creds, encryption_key=key_text, name="Second", **s3)
    org = Org.objects.get()
    assert org.storage == Org.Storage.S3
    org_storage(org).save("orgs/probe.bin", ContentFile(b"x"))
    assert s3_client(s3_endpoint).list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 1

    refresh_token = crypto.unwrap_secret(org.refresh_token_wrapped, f"refresh-token:{org.pk}")
    tenant_key = crypto.parse_tenant_key(key_text)
    secrets = {
        "refresh token": refresh_token,
        "tenant key (base64)": key_text.encode(),
        "tenant key (raw)": tenant_key,
        "tenant key (urlsafe base64)": base64.urlsafe_b64encode(tenant_key),
        "S3 secret": S3_SECRET.encode(),
        "client secret": creds["client_secret"].encode(),
        "data key (raw)": org_data_key(org),
    }
    tables = connection.introspection.table_names()
    assert "django_session" in tables and "orgs_org" in tables
    scanned = 0
    for table in tables:
        for value in _column_values(table):
            if isinstance(value, memoryview | bytearray):
                value = bytes(value)
            if isinstance(value, str):
                value = value.encode()
            if not isinstance(value, bytes):
                continue
            scanned += 1
            for what, secret in secrets.items():
                assert secret not in value, f"{what} found in plaintext in table {table}"
    assert scanned > 50
