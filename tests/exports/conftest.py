"""An org of tenant A connected to the session simulator with private blob storage
(the backup tests' fixtures), and helpers to run a backup then an export inline."""

import pytest

from tests.backups.conftest import backup_org, vault_storage  # noqa: F401 — fixtures
from tests.backups.engine_support import _fast_retries  # noqa: F401 — autouse


@pytest.fixture
def backed_up(backup_org):  # noqa: F811 — the fixture above
    from tests.exports.support import run_backup

    job = run_backup(backup_org)
    assert job.status == "completed", job.error_message
    return backup_org, job
