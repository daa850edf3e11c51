"""An org of tenant A connected to the session simulator, with private blob storage."""

import io
import json

import pytest
from django.core.management import call_command


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    return tmp_path / "storage"


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch):
    import backups.services

    monkeypatch.setattr(backups.services, "RETRY_BASE_SECONDS", 0.01)
    backups.services._client_cache.clear()
    yield
    backups.services._client_cache.clear()


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


@pytest.fixture
def backup_org(db, tenant_a, sfsim, vault_storage):
    return connect_org(sfsim, tenant_a)
