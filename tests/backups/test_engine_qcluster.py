"""Several qcluster workers share one backup by object: a real `manage.py qcluster`
with two workers on a file database runs a queued Composite Backup."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.backups.engine_support import org_counts
from tests.backups.test_engine_kill import ROOT, SLOW, Deployment

pytestmark = pytest.mark.slow


def test_two_qcluster_workers_share_one_backup(sfsim_faults, tmp_path):
    sim = sfsim_faults
    deployment = Deployment(tmp_path / "var", sim)
    org_id = deployment.setup_org()
    sim.set_faults(SLOW)  # each query takes a while, so the workers' objects overlap
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**deployment.env, "Q_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        job_id = json.loads(deployment.manage("backup_run", "--org", str(org_id), "--json"))[
            "job_id"
        ]
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
    # django-q2 kept each task's run: object tasks ran at the same time on both workers.
    runs = deployment.query(
        "SELECT started, stopped FROM django_q_task WHERE func = 'jobs.tasks.job_object_task' "
        "ORDER BY started"
    )
    assert len(runs) == len(job["objects"])
    overlapping = sum(1 for a, b in zip(runs, runs[1:], strict=False) if b[0] < a[1])
    assert overlapping >= 3
    assert deployment.query("SELECT status FROM vault_snapshot") == [("published",)]


def _start_cluster(deployment, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**deployment.env, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(cluster: subprocess.Popen, sig=signal.SIGTERM) -> None:
    os.killpg(cluster.pid, sig)
    try:
        cluster.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=30)


def test_a_killed_cluster_resumes_its_job_after_a_restart_by_itself(sfsim_faults, tmp_path):
    """kill -9 of qcluster mid-backup, then a plain restart: the restarted cluster's own
    reaper (django-q2 runs jobs.tasks.jobs_reap_task every minute) resumes the job from
    its saved position, with nobody running jobs_reap, and the counts are exact."""
    sim = sfsim_faults
    deployment = Deployment(tmp_path / "var", sim)
    org_id = deployment.setup_org()
    env = {"Q_WORKERS": "2", "JOBS_STALE_SECONDS": "10"}
    sim.set_faults(SLOW)
    cluster = _start_cluster(deployment, **env)
    try:
        job_id = json.loads(deployment.manage("backup_run", "--org", str(org_id), "--json"))[
            "job_id"
        ]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            written = deployment.query("SELECT count(*) FROM vault_segment")[0][0]
            if written >= 3:
                break
            time.sleep(0.05)
    finally:
        _stop(cluster, signal.SIGKILL)
    job = deployment.job(job_id)
    assert job["status"] == "in_progress", job
    sim.clear_faults()

    restarted = _start_cluster(deployment, **env)
    try:
        deadline = time.monotonic() + 240
        while job["status"] in ("queued", "in_progress") and time.monotonic() < deadline:
            time.sleep(1)
            job = deployment.job(job_id)
    finally:
        _stop(restarted)
    assert job["status"] == "completed", job
    messages = [line["message"] for line in job["logs"]]
    assert any("resuming from the saved position" in m for m in messages), messages
    counts = deployment.current_counts()
    assert counts == org_counts(sim, counts)
    deployment.assert_no_duplicates()
    assert deployment.query("SELECT status FROM vault_snapshot") == [("published",)]
