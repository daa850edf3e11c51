"""Composite backups end to end against the simulator."""

from backups.services import backup_run_inline, backup_start
from jobs.models import Job, JobObject
from tests.fixtures.sfsim import sf_client


def org_counts(sfsim, names):
    sf = sf_client(sfsim)
    return {
        name: sf.query_all(f"SELECT COUNT() FROM {name}", include_deleted=True)["totalSize"]  # noqa: S608
        for name in names
    }


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
