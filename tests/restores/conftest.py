"""An org of tenant A connected to the session simulator with private blob storage
(the backup tests' fixtures)."""

from tests.backups.conftest import backup_org, vault_storage  # noqa: F401 — fixtures
from tests.backups.engine_support import _fast_retries  # noqa: F401 — autouse
