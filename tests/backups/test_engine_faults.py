"""Simulator faults during a backup: retried with backoff and logged; a permanent
failure puts the object in Exception and the job in error, and the previous snapshot
stays the latest."""

from jobs.models import Job, JobLog, JobObject
from tests.backups import engine_support
from tests.backups.engine_support import org_counts
from tests.backups.starts import backup_run_inline, backup_start
from tests.fixtures.sfsim import sf_client
from vault import selectors
from vault.models import Snapshot

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def run_backup(org, **kwargs) -> Job:
    return backup_run_inline(job=backup_start(org=org, enqueue=False, **kwargs))


def log_text(job) -> str:
    return "\n".join(JobLog.objects.filter(job=job).values_list("message", flat=True))


def test_transient_faults_are_retried_and_logged(backup_org, sfsim_faults):
    sfsim_faults.set_faults(
        {"route": "/services/data/*/queryAll*", "kind": "http503", "on_call": 2, "count": 1},
        {"route": "/services/data/*/sobjects/*/describe*", "kind": "request_limit", "on_call": 3},
        {"route": "/services/data/*/queryAll*", "kind": "invalid_session", "on_call": 5},
        {"route": "/services/data/*/queryAll*", "kind": "cut", "on_call": 8},
    )
    job = run_backup(backup_org)
    fired = {rule["kind"]: rule["hits"] for rule in sfsim_faults.faults()}
    assert fired == {"http503": 1, "request_limit": 1, "invalid_session": 1, "cut": 1}
    assert job.status == Job.Status.COMPLETED, job.error_message
    text = log_text(job)
    assert (
        "SERVER_UNAVAILABLE: Service temporarily unavailable. Try again later. Retrying in" in text
    )
    assert "REQUEST_LIMIT_EXCEEDED" in text
    assert "the connection was cut" in text
    assert "renewed the access token" in text
    totals = {o.object_name: o.records for o in JobObject.objects.filter(job=job) if o.records}
    assert totals == org_counts(sfsim_faults, totals)


def test_permanent_failure_puts_object_in_exception_and_job_in_error(backup_org, sfsim_faults):
    first = run_backup(backup_org)
    assert first.status == Job.Status.COMPLETED
    latest = selectors.snapshot_latest(org=backup_org)
    # A Lead changes, so the next backup must describe and read Lead (an unchanged
    # object is not described at all).
    sf = sf_client(sfsim_faults)
    lead_id = sf.query("SELECT Id FROM Lead ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Lead.update(lead_id, {"Title": "Describe fails"})
    sfsim_faults.set_faults(
        {"route": "/services/data/*/sobjects/Lead/describe*", "kind": "http500", "count": 0}
    )
    job = run_backup(backup_org)
    assert job.status == Job.Status.ERROR
    lead = JobObject.objects.get(job=job, object_name="Lead")
    assert lead.status == JobObject.Status.EXCEPTION
    assert lead.api_calls == 5  # every attempt counted
    assert JobObject.objects.get(job=job, object_name="Account").status == "completed"
    errors = JobLog.objects.filter(job=job, level=JobLog.Level.ERROR)
    assert any(line.message.startswith("Lead failed: UNKNOWN_EXCEPTION") for line in errors)
    assert "1 object(s) failed" in job.error_message
    assert selectors.snapshot_latest(org=backup_org) == latest
    assert Snapshot.objects.get(job=job).status == Snapshot.Status.DISCARDED
