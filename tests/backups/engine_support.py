"""Fixtures for the engine tests (tests/backups/test_engine_*.py import them): an org
of tenant A connected to the session simulator, and fast retries."""

import io
import json

import pytest
from django.core.management import call_command

from tests.fixtures.sfsim import sf_client


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch):
    import backups.engine.connection
    import backups.engine.tuning

    monkeypatch.setattr(backups.engine.tuning, "RETRY_BASE_SECONDS", 0.01)
    backups.engine.connection.client_cache.clear()
    yield
    backups.engine.connection.client_cache.clear()


def connect_org(sfsim, tenant, name: str = "Simulated org"):
    from orgs.models import Org

    creds = sfsim.credentials[0]
    out = io.StringIO()
    call_command(
        "org_connect",
        "--tenant", tenant.name,
        "--name", name,
        "--login-url", creds["login_url"],
        "--username", creds["username"],
        "--password", creds["password"],
        "--client-id", creds["client_id"],
        "--client-secret", creds["client_secret"],
        "--generate-key",
        "--ca-bundle", sfsim.ca_path,
        "--json",
        stdout=out,
    )  # fmt: skip
    return Org.objects.get(pk=json.loads(out.getvalue())["org_id"])


def build_org(sfsim, tenant, name: str = "Simulated org"):
    """The row org_connect would save (tokens from a password grant, catalog from
    describeGlobal), without its connection check."""
    from common.crypto import (
        generate_tenant_key,
        key_fingerprint,
        new_data_key,
        parse_tenant_key,
        wrap_data_key,
        wrap_secret,
    )
    from orgs import services
    from orgs.models import Org
    from salesforce.catalog import entries_from_describe_global

    creds = sfsim.credentials[0]
    token = sfsim.token()
    tenant_key = parse_tenant_key(generate_tenant_key())
    org = Org.objects.create(
        tenant=tenant,
        name=name,
        org_type=Org.OrgType.CUSTOM,
        login_url=creds["login_url"],
        status=Org.Status.CONNECTED,
        key_fingerprint=key_fingerprint(tenant_key),
        tenant_key_wrapped=b"",
        data_key_wrapped=wrap_data_key(tenant_key, new_data_key()),
        client_id=creds["client_id"],
        instance_url=token["instance_url"],
        ca_bundle=sfsim.ca_path,
        sf_org_id=creds["org_id"],
    )
    org.tenant_key_wrapped = wrap_secret(tenant_key, services._tenant_key_purpose(org.pk))
    org.refresh_token_wrapped = wrap_secret(
        token["refresh_token"], services._refresh_token_purpose(org.pk)
    )
    org.client_secret_wrapped = wrap_secret(
        creds["client_secret"], services._client_secret_purpose(org.pk)
    )
    org.save()
    client = services.org_client(org)
    services._catalog_replace(
        org=org, entries=entries_from_describe_global(client.describe_global())
    )
    return org


@pytest.fixture
def backup_org(db, tenant_a, sfsim, vault_storage):
    return connect_org(sfsim, tenant_a)


def org_counts(sfsim, names) -> dict[str, int]:
    sf = sf_client(sfsim)
    return {
        name: sf.query(f"SELECT COUNT() FROM {name}", include_deleted=True)["totalSize"]  # noqa: S608
        for name in names
    }
