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


def _bare(sfsim, creds, *extra: str, **kwargs) -> dict:
    """org_connect with no secret on its command line."""
    out = StringIO()
    call_command(
        "org_connect", "--tenant", "tenant a", "--name", "From files",
        "--login-url", creds["login_url"], "--username", creds["username"],
        "--client-id", creds["client_id"], "--ca-bundle", sfsim.ca_path, "--json",
        *extra, stdout=out, **kwargs,
    )  # fmt: skip
    return json.loads(out.getvalue())


def test_secrets_come_from_files_or_the_environment(sfsim, creds, tenant_a, tmp_path, monkeypatch):
    from pathlib import Path

    from tenants.models import AuditEvent

    password = tmp_path / "password"
    password.write_text(creds["password"] + "\n")
    secret = tmp_path / "client-secret"
    secret.write_text(creds["client_secret"])
    key = crypto.generate_tenant_key()
    monkeypatch.setenv("ORGVAULT_TENANT_KEY", key)
    err = StringIO()
    result = _bare(
        sfsim, creds, "--password-file", str(password), "--client-secret-file", str(secret),
        stderr=err,
    )  # fmt: skip
    org = Org.objects.get(pk=result["org_id"])
    assert org.key_fingerprint == crypto.key_fingerprint(crypto.parse_tenant_key(key))
    assert "visible" not in err.getvalue()
    # The CA's certificates are kept on the org, not the path they were read from.
    assert org.ca_bundle.startswith("-----BEGIN CERTIFICATE-----")
    assert sfsim.ca_path not in org.ca_bundle
    assert Path(sfsim.ca_path).read_text().strip() in org.ca_bundle.strip()
    (connected,) = AuditEvent.objects.filter(action="org.connected")
    assert connected.target == f"Org {org.pk}" and connected.detail["via"] == "org_connect"

    monkeypatch.setenv("SALESFORCE_PASSWORD", creds["password"])
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", creds["client_secret"])
    second = _bare(sfsim, creds, "--name", "From env", "--generate-key")
    assert Org.objects.filter(pk=second["org_id"]).exists()


def test_a_secret_on_the_command_line_is_warned_about(sfsim, creds, tenant_a):
    err = StringIO()
    out = StringIO()
    call_command(
        "org_connect", "--tenant", "tenant a", "--name", "Visible",
        "--login-url", creds["login_url"], "--username", creds["username"],
        "--password", creds["password"], "--client-id", creds["client_id"],
        "--client-secret", creds["client_secret"], "--ca-bundle", sfsim.ca_path,
        "--generate-key", stdout=out, stderr=err,
    )  # fmt: skip
    assert "--password is visible to other users of this machine (ps)" in err.getvalue()
    assert "--client-secret is visible" in err.getvalue()


def test_missing_secrets_and_files_are_named(sfsim, creds, tenant_a, tmp_path, monkeypatch):
    monkeypatch.delenv("SALESFORCE_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="Give the Salesforce user's password"):
        _bare(sfsim, creds, "--generate-key", "--client-secret-file", "/dev/null")
    with pytest.raises(CommandError, match=r"--password-file: .*gone cannot be read"):
        _bare(sfsim, creds, "--generate-key", "--password-file", str(tmp_path / "gone"))
    missing_ca = tmp_path / "ca.pem"
    with pytest.raises(CommandError, match=r"--ca-bundle: There is no file at .*ca\.pem"):
        _bare(sfsim, creds, "--generate-key", "--password-file", "/dev/null",
              "--ca-bundle", str(missing_ca))  # fmt: skip
    assert not Org.objects.exists()
