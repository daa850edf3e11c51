"""kill -9 of the qcluster running a restore while the Account trigger is suspended: the
suspended set was recorded before the switch-off, so the reaper puts the trigger back on,
whether it resumes the run (and the run completes) or ends it; an Abort does too."""

import json
import signal
import time

import pytest

from tests.backups.test_engine_kill import Deployment
from tests.backups.test_engine_qcluster import _start_cluster, _stop
from tests.fixtures.sfsim import sf_client
from tests.restores.automation_support import TRIGGER, all_on, states

pytestmark = pytest.mark.slow
# The restore reads the org's Accounts slowly, so the kill lands between the switch-off
# and the writes.
SLOW_READ = {"route": "/services/data/*/queryAll*", "kind": "slow", "delay": 4, "count": 0}


def _request(deployment: Deployment, org_id: int, correct_job: int) -> int:
    out = deployment.manage(
        "restore_request", "--org", str(org_id), "--correct-job", str(correct_job),
        "--objects", "Account", "--json",
    )  # fmt: skip
    request_id = json.loads(out)["request_id"]
    # What the wizard's Object settings step saves: the trigger, switched off for Account.
    deployment.manage(
        "shell", "-c",
        "from restores.models import RestoreRequest; "
        f"RestoreRequest.objects.filter(pk={request_id}).update("
        "automations={'Account': ['ApexTrigger:AccountRatingTrigger']})",
    )  # fmt: skip
    return request_id


def _wait_for_state(deployment: Deployment, job_id: int, state: str) -> None:
    deadline = time.monotonic() + 120
    rows: list = []
    while time.monotonic() < deadline:
        rows = deployment.query(
            "SELECT state FROM restores_suspendedautomation WHERE job_id = ?", job_id
        )
        if rows == [(state,)]:
            return
        time.sleep(0.1)
    raise AssertionError(f"job {job_id}'s suspended automations: {rows}")


def _kill_while_off(deployment: Deployment, request_id: int) -> int:
    cluster = _start_cluster(deployment, Q_WORKERS="1", JOBS_STALE_SECONDS="600")
    try:
        out = deployment.manage("restore_run", str(request_id))
        job_id = int(out.split()[1])
        _wait_for_state(deployment, job_id, "off")
        time.sleep(0.5)
    finally:
        _stop(cluster, signal.SIGKILL)
    return job_id


def test_a_killed_restore_switches_its_automations_back_on_when_reaped(sfsim_faults, tmp_path):
    sim = sfsim_faults
    sf = sf_client(sim)
    all_on(sf)
    deployment = Deployment(tmp_path / "var", sim)
    org_id = deployment.setup_org()
    backup = json.loads(deployment.manage("backup_run", "--org", str(org_id), "--wait", "--json"))
    assert backup["status"] == "completed", backup
    try:
        # 1. Killed mid-restore, then resumed by the reaper: the run completes and the
        #    trigger is back on.
        request_id = _request(deployment, org_id, backup["job_id"])
        sim.set_faults(SLOW_READ)
        job_id = _kill_while_off(deployment, request_id)
        assert deployment.job(job_id)["status"] == "in_progress"
        assert states(sf)[TRIGGER] is False  # the worker died with the trigger off
        sim.clear_faults()
        reaped = json.loads(
            deployment.manage("jobs_reap", "--stale-seconds", "0", "--inline", "--json")
        )
        assert reaped == {"jobs": [job_id]}
        job = deployment.job(job_id)
        assert job["status"] == "completed", job
        messages = [line["message"] for line in job["logs"]]
        assert any("resuming from the saved position" in m for m in messages), messages
        assert states(sf)[TRIGGER] is True
        assert deployment.query(
            "SELECT original, state FROM restores_suspendedautomation WHERE job_id = ?", job_id
        ) == [("Active", "back_on")]

        # 2. Killed again, and the reaper ends the job instead: the trigger is back on too.
        sim.set_faults(SLOW_READ)
        job_id = _kill_while_off(deployment, request_id)
        assert states(sf)[TRIGGER] is False
        sim.clear_faults()
        deployment.manage("jobs_reap", "--stale-seconds", "0", "--no-resume")
        job = deployment.job(job_id)
        assert job["status"] == "error", job
        assert states(sf)[TRIGGER] is True
        messages = [line["message"] for line in job["logs"]]
        assert any(m.startswith("Switched back on: Apex trigger") for m in messages), messages

        # 3. Aborted while the trigger is off: the run stops at its next write, trigger on.
        sim.set_faults(SLOW_READ)
        cluster = _start_cluster(deployment, Q_WORKERS="1")
        try:
            job_id = int(deployment.manage("restore_run", str(request_id)).split()[1])
            _wait_for_state(deployment, job_id, "off")
            deployment.manage(
                "shell", "-c",
                "from jobs.models import Job; from jobs.services import job_request_abort; "
                f"job_request_abort(job=Job.objects.get(pk={job_id}))",
            )  # fmt: skip
            deadline = time.monotonic() + 120
            job = deployment.job(job_id)
            while job["status"] in ("queued", "in_progress") and time.monotonic() < deadline:
                time.sleep(0.5)
                job = deployment.job(job_id)
        finally:
            _stop(cluster)
        assert job["status"] == "aborted", job
        assert states(sf)[TRIGGER] is True
    finally:
        sim.clear_faults()
        all_on(sf)
