# ruff: noqa: F811 -- the vault tests' fixtures, imported by name
"""A key rotation seals the archive's refusal messages again before the old key is
retired, and a purge leaves no Id of its records in the archive's per-record results."""

from archives.engine import seal_message
from archives.models import ArchiveRecord
from archives.services import archive_records_forget, refusal_message
from orgs.key_models import OrgKey
from orgs.key_services import org_key_add
from tests.vault.conftest import data_key, make_job, vault_org  # noqa: F401 — fixtures
from vault.rotation import KeyRotation, rotation_run, rotation_start


def _record(job, data_key, record_id, message="", parent_id=""):
    return ArchiveRecord.objects.create(
        job=job,
        object_name="Contact",
        record_id=record_id,
        parent_id=parent_id,
        plan=ArchiveRecord.Plan.DELETE,
        content_hash="0" * 64,
        outcome=ArchiveRecord.Outcome.REFUSED if message else ArchiveRecord.Outcome.DELETED,
        message_sealed=seal_message(data_key, job.org_id, message) if message else None,
    )


def test_refusal_messages_are_resealed_before_the_old_key_retires(
    vault_org,
    data_key,
    make_job,
    admin_a,
):
    job = make_job("Archive")
    refused = _record(job, data_key, "003000000000001AAA", "DELETE_FAILED: has open Cases")
    org_key_add(org=vault_org, source="generated", actor=admin_a)
    rotation = rotation_run(rotation_start(org=vault_org, enqueue=False))
    while rotation.status == KeyRotation.Status.RUNNING:
        rotation = rotation_run(rotation)
    assert rotation.status == KeyRotation.Status.DONE, rotation.message
    assert OrgKey.objects.get(org=vault_org, source="original").status == "retired"
    refused.refresh_from_db()
    assert refusal_message(record=refused) == "DELETE_FAILED: has open Cases"


def test_a_purge_forgets_the_records_ids(vault_org, data_key, make_job):
    job = make_job("Archive")
    _record(job, data_key, "003000000000001AAA")
    child = _record(job, data_key, "500000000000001AAA", parent_id="003000000000001AAA")
    _record(job, data_key, "003000000000002AAA")
    assert archive_records_forget(org=vault_org, records={"Contact": ["003000000000001AAA"]}) == 0
    kept = set(ArchiveRecord.objects.values_list("record_id", flat=True))
    assert kept == {"500000000000001AAA", "003000000000002AAA"}
    child.refresh_from_db()
    assert child.parent_id == ""
