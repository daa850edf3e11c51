"""An org of tenant A connected to the session simulator, with private blob storage.

The helpers (connect_org, fast retries) live in engine_support.py, shared with the
engine tests and benchmarks.
"""

import pytest

from tests.backups.engine_support import _fast_retries, connect_org  # noqa: F401 — autouse


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    return tmp_path / "storage"


@pytest.fixture
def backup_org(db, tenant_a, sfsim, vault_storage):
    return connect_org(sfsim, tenant_a)
