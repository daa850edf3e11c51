"""Big objects split into Id ranges (chunks) that workers read side by side.

CHUNK_THRESHOLD and CHUNK_ROWS are lowered so the small session org has chunked objects.
"""

import pytest

from backups.engine import object_backup as services
from backups.engine import tuning
from jobs import runner
from jobs.models import Job, JobObject, JobObjectChunk
from tests.backups import engine_support
from tests.backups.engine_support import org_counts
from tests.backups.starts import backup_run_inline, backup_start
from vault.models import ObjectWatermark, RecordVersion, Segment, Snapshot

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def run_backup(org, **kwargs) -> Job:
    return backup_run_inline(job=backup_start(org=org, enqueue=False, **kwargs))


def vault_content(org) -> list[tuple]:
    return sorted(
        (name, rid, bytes(digest), state, change)
        for name, rid, digest, state, change in RecordVersion.objects.filter(
            org=org, valid_to__isnull=True
        ).values_list("object_name", "record_id", "content_hash", "state", "change")
    )


def forget_vault(org) -> None:
    """As if the org had never been backed up (the same data key stays)."""
    RecordVersion.objects.filter(org=org).delete()
    Segment.objects.filter(org=org).delete()
    Snapshot.objects.filter(org=org).delete()
    ObjectWatermark.objects.filter(org=org).delete()


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(tuning, "CHUNK_THRESHOLD", 20)
    monkeypatch.setattr(tuning, "CHUNK_ROWS", 15)


@pytest.mark.parametrize("bulk", [False, True], ids=["rest", "bulk"])
def test_chunked_full_backup_stores_exactly_what_an_unchunked_one_does(
    backup_org, sfsim, monkeypatch, bulk
):
    plain = run_backup(backup_org)
    assert plain.status == Job.Status.COMPLETED
    expected = vault_content(backup_org)
    assert not JobObjectChunk.objects.filter(job_object__job=plain).exists()
    forget_vault(backup_org)

    monkeypatch.setattr(tuning, "CHUNK_THRESHOLD", 20)
    monkeypatch.setattr(tuning, "CHUNK_ROWS", 15)
    if bulk:
        monkeypatch.setattr(tuning, "BULK_THRESHOLD", 5)
    chunked = run_backup(backup_org)
    assert chunked.status == Job.Status.COMPLETED, chunked.error_message

    chunks = JobObjectChunk.objects.filter(job_object__job=chunked)
    split = set(chunks.values_list("job_object__object_name", flat=True))
    assert len(split) >= 2
    assert set(chunks.values_list("status", flat=True)) == {JobObjectChunk.Status.COMPLETED}
    assert set(chunks.values_list("cursor__method", flat=True)) == {"bulk" if bulk else "rest"}
    assert vault_content(backup_org) == expected
    for field in ("records", "added", "changed", "deleted"):
        assert getattr(chunked, field) == getattr(plain, field), field
    objects = {o.object_name: o for o in JobObject.objects.filter(job=chunked)}
    for name in split:
        rows = sum(c.records for c in chunks.filter(job_object__object_name=name))
        assert rows == objects[name].records  # every row read once, in one chunk
    counts = org_counts(sfsim, split)
    assert {n: objects[n].records for n in split} == counts
    # Watermarks merge the chunks' newest stamps: the next backup reads nothing new.
    again = run_backup(backup_org)
    assert (again.added, again.changed, again.deleted) == (0, 0, 0)


def test_chunks_run_in_any_order_and_complete_the_object_once(
    backup_org, sfsim, monkeypatch, small_chunks
):
    monkeypatch.setattr(runner, "dispatch", lambda job, **kwargs: None)
    job = backup_start(org=backup_org, enqueue=False, sync=True)
    runner.job_prepare(job.pk, inline=True)
    contact = JobObject.objects.get(job=job, object_name="Contact")

    chunk_ids = runner.job_object_run(contact.pk, inline=True, run_chunks=False)
    assert len(chunk_ids) >= 2
    contact.refresh_from_db()
    assert contact.status == JobObject.Status.IN_PROGRESS

    completions = []
    real_complete = JobObject.complete

    def counting_complete(self):
        won = real_complete(self)
        completions.append(won)
        return won

    monkeypatch.setattr(JobObject, "complete", counting_complete)
    handler_class = type(runner.handler_for(job))
    real_finish = handler_class.finish_object
    raced = []

    def finish_with_a_racing_worker(self, ctx, job_object):
        real_finish(self, ctx, job_object)
        if not raced:  # a second worker that also saw the last chunk end gets here too
            raced.append(None)
            again = JobObject.objects.get(pk=job_object.pk)
            raced[0] = runner.finish_chunked_object(ctx, self, again)

    monkeypatch.setattr(handler_class, "finish_object", finish_with_a_racing_worker)
    for chunk_id in reversed(chunk_ids):  # the last Id range first
        contact.refresh_from_db()
        assert contact.status == JobObject.Status.IN_PROGRESS
        runner.job_chunk_run(chunk_id, inline=True)
    assert raced == [True]
    assert completions == [True, False]  # completed once: the other update changed nothing
    contact.refresh_from_db()
    assert contact.status == JobObject.Status.COMPLETED
    runner.job_chunk_run(chunk_ids[0], inline=True)  # a re-delivered chunk task: no-op
    assert not runner.finish_chunked_object(runner.JobContext(job), None, contact)

    for job_object_id in JobObject.objects.filter(
        job=job, status=JobObject.Status.QUEUED
    ).values_list("id", flat=True):
        runner.job_object_run(job_object_id, inline=True)
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED, job.error_message
    assert contact.records == org_counts(sfsim, ["Contact"])["Contact"]
    assert RecordVersion.objects.filter(job=job, object_name="Contact").count() == contact.records


def test_a_failed_chunk_puts_its_object_in_exception(backup_org, monkeypatch, small_chunks):
    real_chunk = services.ObjectBackup.run_chunk

    def failing(self, chunk):
        if self.name == "Contact" and chunk.index == 1:
            raise RuntimeError("Salesforce said no")
        real_chunk(self, chunk)

    monkeypatch.setattr(services.ObjectBackup, "run_chunk", failing)
    job = run_backup(backup_org)
    assert job.status == Job.Status.ERROR
    contact = JobObject.objects.get(job=job, object_name="Contact")
    assert contact.status == JobObject.Status.EXCEPTION
    assert "Id range 2 of" in contact.error_message
    assert "Salesforce said no" in contact.error_message
    assert Snapshot.objects.get(job=job).status == Snapshot.Status.DISCARDED


@pytest.mark.slow
def test_sigkill_during_a_chunk_resumes_it_without_duplicates(sfsim_faults, tmp_path):
    import json
    import os
    import signal
    import time

    from tests.backups.test_engine_kill import SLOW, Deployment

    sim = sfsim_faults
    deployment = Deployment(tmp_path / "var", sim)
    deployment.env.update(BACKUP_CHUNK_THRESHOLD="20", BACKUP_CHUNK_ROWS="15")
    org_id = deployment.setup_org()
    sim.set_faults(SLOW)
    process = deployment.start("backup_run", "--org", str(org_id), "--wait", "--json")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill once a chunk is done and the next one running
        assert process.poll() is None, process.stderr.read().decode()[-3000:]
        states = dict(
            deployment.query("SELECT status, count(*) FROM jobs_jobobjectchunk GROUP BY status")
        )
        if states.get("completed") and states.get("in_progress"):
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    job_id = deployment.query("SELECT max(id) FROM jobs_job")[0][0]
    assert deployment.job(job_id)["status"] == "in_progress"
    killed = deployment.query(
        "SELECT id, cursor FROM jobs_jobobjectchunk WHERE status = 'in_progress'"
    )
    assert killed

    sim.clear_faults()
    reaped = json.loads(
        deployment.manage("jobs_reap", "--stale-seconds", "0", "--inline", "--json")
    )
    assert reaped == {"jobs": [job_id]}
    job = deployment.job(job_id)
    assert job["status"] == "completed", job
    assert deployment.query("SELECT DISTINCT status FROM jobs_jobobjectchunk") == [("completed",)]
    counts = deployment.current_counts()
    assert counts == org_counts(sim, counts)
    totals = {o["object"]: o["records"] for o in job["objects"] if o["records"]}
    assert totals == org_counts(sim, totals)
    versions = deployment.query("SELECT count(*) FROM vault_recordversion")[0][0]
    assert versions == sum(counts.values())  # one version per record: nothing twice
    deployment.assert_no_duplicates()
    chunk_rows = dict(
        deployment.query(
            "SELECT o.object_name, sum(c.records) FROM jobs_jobobjectchunk c "
            "JOIN jobs_jobobject o ON c.job_object_id = o.id GROUP BY o.object_name"
        )
    )
    assert chunk_rows and all(chunk_rows[name] >= totals[name] for name in chunk_rows)


@pytest.mark.slow
def test_qcluster_workers_run_the_chunks_of_a_queued_backup(sfsim_faults, tmp_path):
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.backups.test_engine_kill import ROOT, SLOW, Deployment

    sim = sfsim_faults
    deployment = Deployment(tmp_path / "var", sim)
    deployment.env.update(BACKUP_CHUNK_THRESHOLD="20", BACKUP_CHUNK_ROWS="15")
    org_id = deployment.setup_org()
    sim.set_faults(SLOW)
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**deployment.env, "Q_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out = deployment.manage("backup_run", "--org", str(org_id), "--sync", "--json")
        job_id = json.loads(out)["job_id"]
        deadline = time.monotonic() + 240
        job = deployment.job(job_id)
        while job["status"] in ("queued", "in_progress") and time.monotonic() < deadline:
            time.sleep(1)
            job = deployment.job(job_id)
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait(timeout=30)
    assert job["status"] == "completed", job
    totals = {o["object"]: o["records"] for o in job["objects"] if o["records"]}
    assert totals == org_counts(sim, totals)
    chunks = deployment.query("SELECT count(*), min(status), max(status) FROM jobs_jobobjectchunk")
    assert chunks[0][0] >= 4 and chunks[0][1:] == ("completed", "completed")
    runs = deployment.query(
        "SELECT count(*) FROM django_q_task WHERE func = 'jobs.runner.job_chunk_run' AND success"
    )
    assert runs[0][0] == chunks[0][0]
    versions = deployment.query("SELECT count(*) FROM vault_recordversion")[0][0]
    assert versions == sum(deployment.current_counts().values())
    deployment.assert_no_duplicates()
