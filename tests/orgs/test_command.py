import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from common import crypto
from orgs.models import ObjectCatalogEntry, Org


def run(sfsim, creds, *extra: str) -> dict:
    out = StringIO()
    call_command(
        "org_connect",
        "--tenant",
        "tenant a",
        "--name",
        "Scripted",
        "--login-url",
        creds["login_url"],
        "--username",
        creds["username"],
        "--client-id",
        creds["client_id"],
        "--client-secret",
        creds["client_secret"],
        "--ca-bundle",
        sfsim.ca_path,
        "--json",
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


@pytest.fixture
def creds(sfsim) -> dict:
    return sfsim.credentials[0]


def test_org_connect_with_a_generated_key(sfsim, creds, tenant_a):
    result = run(sfsim, creds, "--password", creds["password"], "--generate-key")
    org = Org.objects.get(pk=result["org_id"])
    assert (org.tenant, org.name, org.org_type) == (tenant_a, "Scripted", Org.OrgType.CUSTOM)
    assert result["sf_org_id"] == org.sf_org_id == creds["org_id"]
    assert org.key_fingerprint == crypto.key_fingerprint(crypto.parse_tenant_key(result["key"]))
    assert org.status == Org.Status.CONNECTED
    assert ObjectCatalogEntry.objects.filter(org=org, name="Account").exists()


def test_org_connect_with_a_given_key_prints_no_key(sfsim, creds, tenant_a):
    key = crypto.generate_tenant_key()
    result = run(sfsim, creds, "--password", creds["password"], "--key", key)
    assert set(result) == {"org_id", "sf_org_id"}
    org = Org.objects.get(pk=result["org_id"])
    assert org.key_fingerprint == crypto.key_fingerprint(crypto.parse_tenant_key(key))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--password", "wrong", "--generate-key"), "Salesforce refused the login"),
        (("--password", "x", "--key", "c2hvcnQ="), "must be 32 bytes"),
    ],
)
def test_org_connect_failures_save_nothing(sfsim, creds, tenant_a, extra, message):
    with pytest.raises(CommandError, match=message):
        run(sfsim, creds, *extra)
    assert not Org.objects.exists()


def test_org_connect_unknown_tenant(sfsim, creds, db):
    with pytest.raises(CommandError, match="There is no tenant named 'tenant a'"):
        run(sfsim, creds, "--password", creds["password"], "--generate-key")


def test_org_connect_missing_permission_names_it_and_saves_nothing(sfsim, creds, tenant_a):
    sfsim.manage("permission", "--username", creds["username"], "--name", "ModifyAllData", "--off")
    try:
        with pytest.raises(CommandError, match="lacks: Modify All Data. Grant them"):
            run(sfsim, creds, "--password", creds["password"], "--generate-key")
    finally:
        sfsim.manage(
            "permission", "--username", creds["username"], "--name", "ModifyAllData", "--on"
        )
    assert not Org.objects.exists()
