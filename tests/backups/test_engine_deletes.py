"""Composite & Sync's Id comparison: which of the vault's Ids the org no longer has."""

from array import array

from backups.engine.deletes import missing_from
from tests.backups import engine_support

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def test_missing_from_finds_the_vault_values_the_org_lacks_in_any_order():
    org = array("q", [30, -7, 10, 10])
    vault = array("q", [10, 20, -7, 30, 2**62])
    assert missing_from(org, vault) == {20, 2**62}


def test_missing_from_with_an_empty_side():
    assert missing_from(array("q"), array("q", [1, 2])) == {1, 2}
    assert missing_from(array("q", [1, 2]), array("q")) == set()


def test_sync_spends_no_count_on_the_id_read(backup_org, sfsim):
    """The vault's count chooses REST or Bulk for the Ids: an object with no change costs
    its describe (304), its COUNT() of changes, the read of its overlap window (the
    records the first backup just took) and its read of Ids; no COUNT() of every record."""
    from jobs.models import Job, JobObject
    from tests.backups.starts import backup_run_inline, backup_start

    first = backup_run_inline(job=backup_start(org=backup_org, enqueue=False))
    assert first.status == Job.Status.COMPLETED
    sync = backup_run_inline(job=backup_start(org=backup_org, enqueue=False, sync=True))
    assert sync.status == Job.Status.COMPLETED, sync.error_message
    account = JobObject.objects.get(job=sync, object_name="Account")
    assert account.records > 0 and account.deleted == 0
    assert account.api_calls == 4
