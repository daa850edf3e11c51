"""Run backups and restores inline against the simulator."""

from jobs.services import job_run_inline
from restores.services import restore_request_create, restore_start
from tests.backups.starts import backup_run_inline, backup_start


def run_backup(org, **kwargs):
    job = backup_run_inline(job=backup_start(org=org, enqueue=False, **kwargs))
    assert job.status == "completed", job.error_message
    return job


def run_restore(org, *, correct_job, objects, dry_run=False, **kwargs):
    request = restore_request_create(org=org, correct_job=correct_job.pk, objects=objects, **kwargs)
    job = job_run_inline(job=restore_start(request=request, dry_run=dry_run, enqueue=False))
    return request, job
