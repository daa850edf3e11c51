"""SIGKILL a worker in the middle of a backup.

The backup runs in its own process (`manage.py backup_run --wait`) on a file database,
slowed down by the simulator's `slow` fault, and is killed with SIGKILL once it has
written segments. Then: the previous snapshot reads exactly as before, the reaper
resumes the job (or ends it in error), and the next run leaves exactly the right
versions — no duplicates, no losses.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.backups.engine_support import org_counts
from tests.fixtures.sfsim import sf_client

ROOT = Path(__file__).resolve().parents[2]
SLOW = {"route": "/services/data/*/queryAll*", "kind": "slow", "delay": 0.3, "count": 0}

pytestmark = pytest.mark.slow


class Deployment:
    """manage.py commands against a private var/ folder (SQLite file + storage)."""

    def __init__(self, var_dir: Path, sfsim):
        self.var_dir = var_dir
        self.env = {**os.environ, "ORGVAULT_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}
        self.env.pop("DATABASE_URL", None)
        self.sfsim = sfsim
        self.db_path = var_dir / "orgvault.sqlite3"

    def manage(self, *args: str, check: bool = True, env: dict | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)}: {result.stderr[-3000:]}")
        return result.stdout

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def query(self, sql: str, *params):
        with sqlite3.connect(self.db_path, timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def setup_org(self) -> int:
        """A tenant and a connected org, through the operators' commands."""
        self.manage("migrate", "--noinput")
        self.manage(
            "tenant_register", "--org-name", "Kill test", "--email", "ops@kill.example",
            "--password", "Kill-test-pass-1",
        )  # fmt: skip
        creds = self.sfsim.credentials[0]
        out = self.manage(
            "org_connect", "--tenant", "Kill test", "--name", "Simulated org",
            "--login-url", creds["login_url"], "--username", creds["username"],
            "--password", creds["password"], "--client-id", creds["client_id"],
            "--client-secret", creds["client_secret"], "--generate-key",
            "--ca-bundle", self.sfsim.ca_path, "--json",
        )  # fmt: skip
        return json.loads(out)["org_id"]

    def kill_after_segments(self, org_id: int, seq: int, segments: int) -> int:
        process = self.start("backup_run", "--org", str(org_id), "--wait", "--json")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            written = self.query(
                "SELECT count(*) FROM vault_segment s JOIN vault_snapshot n "
                "ON s.snapshot_id = n.id WHERE n.seq = ?",
                seq,
            )[0][0]
            if written >= segments:
                break
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        return self.query("SELECT max(id) FROM jobs_job")[0][0]

    def as_of(self, seq: int) -> list[tuple]:
        return self.query(
            "SELECT object_name, record_id, hex(content_hash), state FROM vault_recordversion "
            "WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) "
            "ORDER BY object_name, record_id",
            seq,
            seq,
        )

    def job(self, job_id: int) -> dict:
        return json.loads(self.manage("job_show", str(job_id), "--json", "--logs"))

    def current_counts(self) -> dict[str, int]:
        rows = self.query(
            "SELECT object_name, count(*) FROM vault_recordversion WHERE valid_to IS NULL "
            "AND state NOT IN ('hard_deleted', 'archived') GROUP BY object_name"
        )
        return dict(rows)

    def assert_no_duplicates(self) -> None:
        assert not self.query(
            "SELECT object_name, record_id FROM vault_recordversion WHERE valid_to IS NULL "
            "GROUP BY object_name, record_id HAVING count(*) > 1"
        )
        assert not self.query(
            "SELECT object_name, record_id, valid_from FROM vault_recordversion "
            "GROUP BY object_name, record_id, valid_from HAVING count(*) > 1"
        )


def test_sigkill_mid_backup_resumes_or_ends_cleanly(sfsim_faults, tmp_path):
    sim = sfsim_faults
    deployment = Deployment(tmp_path / "var", sim)
    org_id = deployment.setup_org()

    # 1. The first full backup is killed, then resumed by the reaper from its cursor.
    sim.set_faults(SLOW)
    job_id = deployment.kill_after_segments(org_id, seq=1, segments=3)
    assert deployment.job(job_id)["status"] == "in_progress"
    assert deployment.query("SELECT status FROM vault_snapshot WHERE seq = 1") == [("building",)]
    sim.clear_faults()
    reaped = json.loads(
        deployment.manage("jobs_reap", "--stale-seconds", "0", "--inline", "--json")
    )
    assert reaped == {"jobs": [job_id]}
    job = deployment.job(job_id)
    assert job["status"] == "completed", job
    assert any("resuming from the saved position" in line["message"] for line in job["logs"])
    counts = deployment.current_counts()
    assert counts == org_counts(sim, counts)
    total_versions = deployment.query("SELECT count(*) FROM vault_recordversion")[0][0]
    assert total_versions == sum(counts.values())  # one version per record: nothing twice
    deployment.assert_no_duplicates()
    snapshot_1 = deployment.as_of(1)

    # 2. Change records, kill the next backup; the reaper ends it in error.
    sf = sf_client(sim)
    contacts = [r["Id"] for r in sf.query_all("SELECT Id FROM Contact")["records"]]
    sf.bulk2.Contact.update(
        records=[{"Id": cid, "Title": f"Kill test {n}"} for n, cid in enumerate(contacts)],
        wait=0.2,
    )
    sim.set_faults(SLOW)
    job_id = deployment.kill_after_segments(org_id, seq=2, segments=1)
    assert deployment.as_of(1) == snapshot_1  # readers of the previous snapshot see no change
    sim.clear_faults()
    deployment.manage("jobs_reap", "--stale-seconds", "0", "--no-resume")
    job = deployment.job(job_id)
    assert job["status"] == "error"
    assert "The worker running this job stopped" in job["error"]
    assert "the job was ended" in job["error"]
    assert deployment.query("SELECT status FROM vault_snapshot WHERE seq = 2") == [("discarded",)]
    assert deployment.as_of(1) == snapshot_1
    assert not deployment.query("SELECT id FROM vault_recordversion WHERE valid_from = 2")
    assert not deployment.query("SELECT id FROM vault_recordversion WHERE valid_to = 2")

    # 3. The next run records exactly the changed contacts, once each.
    result = json.loads(deployment.manage("backup_run", "--org", str(org_id), "--wait", "--json"))
    assert result["status"] == "completed", result
    assert (result["added"], result["changed"], result["deleted"]) == (0, len(contacts), 0)
    deployment.assert_no_duplicates()
    assert deployment.query("SELECT count(*) FROM vault_recordversion")[0][
        0
    ] == total_versions + len(contacts)
    assert deployment.current_counts() == org_counts(sim, counts)
