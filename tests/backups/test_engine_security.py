"""Nothing readable reaches the database or storage; a wrong tenant key writes nothing."""

from django.db import connection

from common.crypto import generate_tenant_key, parse_tenant_key, wrap_secret
from jobs.models import Job, JobLog
from orgs import services as org_services
from tests.backups import engine_support
from tests.backups.starts import backup_run_inline, backup_start
from tests.fixtures.sfsim import sf_client
from vault.models import RecordVersion, Segment, Snapshot

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def run_backup(org, **kwargs) -> Job:
    return backup_run_inline(job=backup_start(org=org, enqueue=False, **kwargs))


def test_marker_is_found_neither_in_database_nor_storage(backup_org, sfsim, vault_storage):
    marker = "ZQX-marker-7f3c91d2-do-not-leak"
    sf = sf_client(sfsim)
    record_id = sf.Account.create({"Name": marker, "Description": f"about {marker}"})["id"]
    job = run_backup(backup_org)
    assert job.status == Job.Status.COMPLETED, job.error_message
    assert RecordVersion.objects.filter(record_id=record_id).exists()

    files = [p for p in vault_storage.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert marker.encode() not in path.read_bytes(), path
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            for row in cursor.fetchall():
                assert marker not in repr(row), table


def test_wrong_tenant_key_fails_clearly_and_writes_nothing(backup_org, vault_storage):
    wrong = parse_tenant_key(generate_tenant_key())
    backup_org.tenant_key_wrapped = wrap_secret(
        wrong, org_services._tenant_key_purpose(backup_org.pk)
    )
    backup_org.save(update_fields=["tenant_key_wrapped"])
    job = run_backup(backup_org)
    assert job.status == Job.Status.ERROR
    assert "This is not the encryption key of org" in job.error_message
    assert JobLog.objects.filter(
        job=job, level="error", message__contains="encryption key"
    ).exists()
    assert not Snapshot.objects.exists()
    assert not RecordVersion.objects.exists() and not Segment.objects.exists()
    assert not [p for p in vault_storage.rglob("*") if p.is_file()]
