"""An org of tenant A connected to the session simulator (private blob storage), and
helpers to make uniquely named test data in the shared simulator."""

import io
import json
import uuid

import pytest
from django.core.management import call_command

from tests.backups.engine_support import _fast_retries, connect_org  # noqa: F401 — autouse
from tests.fixtures.sfsim import sf_client


@pytest.fixture(autouse=True)
def _fast_archive_retries(monkeypatch):
    import archives.engine

    monkeypatch.setattr(archives.engine, "RETRY_BASE_SECONDS", 0.01)


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    return tmp_path / "storage"


@pytest.fixture
def archive_org(db, tenant_a, sfsim, vault_storage):
    return connect_org(sfsim, tenant_a)


@pytest.fixture
def sf(sfsim):
    return sf_client(sfsim)


@pytest.fixture
def marker() -> str:
    """A last name no other test uses, so a template's filter selects only this test's data."""
    return f"Arc{uuid.uuid4().hex[:10]}"


def command(*args) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def write_json(tmp_path, spec, name="archive.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


def live_ids(sf, name: str, where: str) -> set[str]:
    rows = sf.query_all(f"SELECT Id FROM {name} WHERE {where}")  # noqa: S608
    return {r["Id"] for r in rows["records"]}
