"""SIGKILL the archive worker at its read, verify and delete stages.

Each archive runs in its own process (`manage.py archive_run --wait`) on a file database,
slowed by the simulator's `slow` fault, and is killed with SIGKILL once it reached the
stage. At that moment nothing is gone from the org without a verified copy in the
vault; then the reaper resumes the job from its saved phase, and the counts are exact:
every Contact and Task archived once, deleted once, none left in the org.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.backups.test_engine_kill import ROOT
from tests.backups.test_engine_kill import Deployment as BackupDeployment
from tests.fixtures.sfsim import sf_client

pytestmark = pytest.mark.slow


class Deployment(BackupDeployment):
    def start_env(self, env: dict, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )


N = 250
SLOW_READ = {"route": "/services/data/*/query*", "kind": "slow", "delay": 0.4, "count": 0}
SLOW_DELETE = {"route": "/services/data/*/composite/sobjects", "method": "DELETE",
               "kind": "slow", "delay": 1.0, "count": 0}  # fmt: skip


def make_data(sf, marker: str) -> tuple[set[str], set[str]]:
    sf.bulk2.Contact.insert(records=[{"LastName": f"{marker} {i}"} for i in range(N)], wait=0.2)
    where = f"LastName LIKE '{marker}%'"
    contacts = {r["Id"] for r in sf.query_all(f"SELECT Id FROM Contact WHERE {where}")["records"]}  # noqa: S608
    sf.bulk2.Task.insert(records=[{"Subject": marker, "WhoId": c} for c in contacts], wait=0.2)
    text = f"SELECT Id FROM Task WHERE Subject = '{marker}'"  # noqa: S608
    tasks = {r["Id"] for r in sf.query_all(text)["records"]}
    assert len(contacts) == len(tasks) == N
    return contacts, tasks


def live(sf, ids: set[str], name: str) -> set[str]:
    found: set[str] = set()
    ordered = sorted(ids)
    for at in range(0, len(ordered), 200):
        chunk = ", ".join(f"'{i}'" for i in ordered[at : at + 200])
        rows = sf.query_all(f"SELECT Id FROM {name} WHERE Id IN ({chunk})")["records"]  # noqa: S608
        found |= {r["Id"] for r in rows}
    return found


def stage_reached(deployment, stage: str) -> bool:
    rows = deployment.query(
        "SELECT o.cursor FROM jobs_jobobject o JOIN jobs_job j ON o.job_id = j.id "
        "WHERE j.operation = 'archive' AND j.status = 'in_progress'"
    )
    if not rows:
        return False
    phase = json.loads(rows[0][0] or "{}").get("phase", "read")
    count = lambda outcome: deployment.query(  # noqa: E731
        "SELECT count(*) FROM archives_archiverecord r JOIN jobs_job j ON r.job_id = j.id "
        "WHERE j.status = 'in_progress' AND r.outcome = ?",
        outcome,
    )[0][0]
    if stage == "read":
        return phase == "read" and count("read") > 0
    if stage == "verify":
        return phase == "verify" and count("verified") > 0
    return phase == "delete" and count("deleted") > 0


def safe_copies(deployment, job_id: int) -> set[str]:
    """Ids with a verified copy published in the vault."""
    rows = deployment.query(
        "SELECT r.record_id FROM archives_archiverecord r JOIN vault_recordversion v "
        "ON v.record_id = r.record_id AND v.object_name = r.object_name AND v.job_id = r.job_id "
        "JOIN vault_snapshot s ON s.job_id = r.job_id WHERE r.job_id = ? AND s.status = "
        "'published' AND r.outcome IN ('verified', 'deleted', 'cascade_deleted')",
        job_id,
    )
    return {r[0] for r in rows}


@pytest.mark.parametrize("stage", ["read", "verify", "delete"])
def test_sigkill_at_each_stage_loses_nothing_and_resumes_to_exact_counts(
    sfsim_faults, tmp_path, stage
):
    sim = sfsim_faults
    deployment = Deployment(tmp_path / "var", sim)
    org_id = deployment.setup_org()
    org_name = "Simulated org"
    sf = sf_client(sim)
    marker = f"Kill{stage}{int(time.time() * 1000) % 10**8}"
    contacts, tasks = make_data(sf, marker)
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"name": "Kill", "objects": [
        {"name": "Contact", "filter": {"soql": f"LastName LIKE '{marker}%'"}}]}))  # fmt: skip
    deployment.manage("archive_template_create", "--org", str(org_id), "--from-json", str(template))

    sim.set_faults(SLOW_DELETE if stage == "delete" else SLOW_READ)
    env = {"ORGVAULT_ARCHIVE_VERIFY_BATCH": "1"} if stage == "verify" else {}
    process = deployment.start_env(
        env, "archive_run", "--org", str(org_id), "--template", "Kill", "--wait",
        "--confirm", org_name, "--json",
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while not stage_reached(deployment, stage):
        assert process.poll() is None, process.stderr.read().decode()[-3000:]
        assert time.monotonic() < deadline, f"the archive never reached its {stage} stage"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    sim.clear_faults()
    job_id = deployment.query("SELECT max(id) FROM jobs_job WHERE operation = 'archive'")[0][0]

    # Nothing is gone from the org without a verified, published copy.
    gone = (contacts - live(sf, contacts, "Contact")) | (tasks - live(sf, tasks, "Task"))
    assert gone <= safe_copies(deployment, job_id)
    if stage != "delete":
        assert not gone

    reaped = json.loads(
        deployment.manage("jobs_reap", "--stale-seconds", "0", "--inline", "--json")
    )
    assert reaped == {"jobs": [job_id]}
    job = deployment.job(job_id)
    assert job["status"] == "completed", job
    assert any("resuming from the saved position" in line["message"] for line in job["logs"])

    counts = dict(deployment.query(
        "SELECT object_name || ':' || outcome, count(*) FROM archives_archiverecord "
        "WHERE job_id = ? GROUP BY object_name, outcome", job_id))  # fmt: skip
    assert counts == {"Contact:deleted": N, "Task:cascade_deleted": N}
    assert live(sf, contacts, "Contact") == set() and live(sf, tasks, "Task") == set()
    versions = deployment.query(
        "SELECT object_name, count(*), count(DISTINCT record_id) FROM vault_recordversion "
        "WHERE job_id = ? AND state = 'archived' GROUP BY object_name ORDER BY object_name",
        job_id,
    )
    assert versions == [("Contact", N, N), ("Task", N, N)]  # every record once
    deployment.assert_no_duplicates()
