"""Composite backups end to end against the simulator."""

from jobs.models import Job, JobLog, JobObject
from tests.backups import engine_support
from tests.backups.engine_support import org_counts
from tests.backups.starts import backup_run_inline, backup_start

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def run_backup(org, **kwargs) -> Job:
    job = backup_start(org=org, enqueue=False, **kwargs)
    return backup_run_inline(job=job)


def test_full_backup_counts_equal_the_org(backup_org, sfsim):
    job = run_backup(backup_org)
    objects = {o.object_name: o for o in JobObject.objects.filter(job=job)}
    print(job.status, job.error_message, job.records, job.api_calls, len(objects))
    for o in objects.values():
        if o.status != "completed" or o.records:
            print(o.object_name, o.status, o.records, o.method, o.error_message)
    assert job.status == Job.Status.COMPLETED
    counts = org_counts(sfsim, [n for n, o in objects.items() if o.records])
    assert {n: objects[n].records for n in counts} == counts


def test_abort_between_pages_discards_the_snapshot(backup_org, sfsim, monkeypatch):
    from backups.engine import object_backup as services
    from jobs.services import job_request_abort
    from tests.fixtures.sfsim import sf_client
    from vault.models import RecordVersion, Snapshot

    first = run_backup(backup_org)
    before = RecordVersion.objects.filter(org=backup_org).count()
    sf_client(sfsim).Account.create({"Name": "Changed before the aborted backup"})
    real_write = services.ObjectBackup.write_rows

    def write_then_abort(self, rows):
        real_write(self, rows)
        job_request_abort(job=self.job)  # the Abort button, pressed while a page is written

    monkeypatch.setattr(services.ObjectBackup, "write_rows", write_then_abort)
    job = run_backup(backup_org, sync=True)
    assert job.status == Job.Status.ABORTED
    assert Snapshot.objects.get(job=job).status == Snapshot.Status.DISCARDED
    assert Snapshot.objects.get(job=first).status == Snapshot.Status.PUBLISHED
    assert RecordVersion.objects.filter(org=backup_org).count() == before
    assert JobObject.objects.filter(job=job, status=JobObject.Status.COMPLETED).count() == 0
    # It shows what it kept, which is nothing (the records it had read are only read).
    assert (job.added, job.changed, job.deleted, job.size_bytes) == (0, 0, 0, 0)
    assert job.api_calls > 0  # the calls were spent all the same
    assert JobLog.objects.filter(job=job, message__contains="nothing from this job was kept")
