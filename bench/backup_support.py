# ruff: noqa: S608  (SOQL and SQL built from described object and field names)
"""Shared set-up for the backup benchmarks (no `main()`: bench/run.py skips it).

A `Bench` is a generated simulator org served over HTTPS plus a private OrgVault
deployment (its own var/ folder: SQLite file and blob storage) driven through
`manage.py` in subprocesses, exactly as an operator would. Timings are wall-clock from
the command's start to its exit; peak memory is the command process's max RSS
(os.wait4).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.deployment import embedded_env, free_port  # noqa: E402
from tests.fixtures.sfsim import start_sfsim  # noqa: E402

VERSION = "62.0"
SKIP_TYPES = {"address", "location", "base64"}


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as handle:
        kb = int(handle.readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, SQLite"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    result: dict
    cpu: float = 0.0  # the process's user + system seconds

    @property
    def job_seconds(self) -> float:
        """The job's own time (started to finished, as its history shows it): what the
        run takes in a worker that is already running, without the command's start-up."""
        started = datetime.fromisoformat(self.result["started_at"])
        return (datetime.fromisoformat(self.result["finished_at"]) - started).total_seconds()


def _last_json(text: str) -> dict:
    """The JSON a command printed last: its last line, or (pretty-printed) from the first {."""
    text = text.strip()
    if not text:
        return {}
    try:
        return json.loads(text.splitlines()[-1])
    except ValueError:
        return json.loads(text[text.index("{") :])


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:  # the process ended meanwhile
        return ""


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (and of their waited-for children)."""
    ticks = 0
    for pid in pids:
        fields = _read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
        if fields:  # after the name: state is field 3, utime..cstime are fields 14-17
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


class ProductionStack:
    """PostgreSQL (a private database on the local server, BENCH_POSTGRES) and S3 (a
    moto server on loopback, on the same cores) for a Bench deployment: what a
    production install runs on. Each reset gives an empty database and a new bucket."""

    def __init__(self, database: str = "orgvault_bench"):
        self.server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        self.database = database
        self.endpoint = ""
        self.buckets = 0
        self._moto: subprocess.Popen | None = None

    def __enter__(self) -> ProductionStack:
        port = free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        moto = Path(sys.executable).with_name("moto_server")
        self._moto = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the moto S3 server did not start")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        if self._moto is not None:
            self._moto.terminate()
            self._moto.wait(timeout=30)
        self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def service_cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by the moto S3 server and by every PostgreSQL process:
        the share of the two cores the stack itself takes from the backup on this machine
        (a production S3 and database run elsewhere)."""
        postgres = [
            int(pid)
            for pid in os.listdir("/proc")
            if pid.isdigit() and _read(f"/proc/{pid}/comm").strip() == "postgres"
        ]
        moto = [self._moto.pid] if self._moto is not None else []
        return _cpu_seconds(moto), _cpu_seconds(postgres)

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as connection:
            connection.execute(sql)

    def reset(self) -> dict[str, str]:
        """An empty database and a new bucket; the settings that name them."""
        import boto3

        self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.database}"')
        self.buckets += 1
        bucket = f"orgvault-bench-{self.buckets}"
        keys = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
        boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1", **keys
        ).create_bucket(Bucket=bucket)
        return {
            "DATABASE_URL": f"{self.server}/{self.database}",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_ACCESS_KEY_ID": "bench",
            "S3_SECRET_ACCESS_KEY": "bench",
            "S3_REGION": "us-east-1",
        }


class Bench:
    def __init__(self, work: Path, records: int, seed: int = 1):
        self.work = work
        self.records = records
        self.seed = seed
        self.sim_dir = work / f"sim-{records}"
        self.var_dir = work / f"var-{records}"
        self.db_path = self.var_dir / "orgvault.sqlite3"
        self.production: ProductionStack | None = None
        self.env = embedded_env(self.var_dir)
        self._stack = contextlib.ExitStack()
        self.sim = None
        self.org_id = 0

    # --- set-up ---------------------------------------------------------------------

    def __enter__(self) -> Bench:
        if not (self.sim_dir / "simulator.sqlite3").exists():
            started = time.monotonic()
            self.manage("sfsim", "load", "--data", str(self.sim_dir), "--generate",
                        str(self.records), "--seed", str(self.seed))  # fmt: skip
            print(f"  generated {self.records:,} records in {time.monotonic() - started:.1f} s")
        self.sim = self._stack.enter_context(start_sfsim(self.sim_dir))
        self.reset()
        return self

    def reset(self) -> None:
        """A fresh deployment (empty database and storage) with the org connected."""
        if self.production is not None:
            self.env = {**embedded_env(self.var_dir), **self.production.reset()}
        else:
            self.env = embedded_env(self.var_dir)
            if self.db_path.exists():
                self.db_path.unlink()
            shutil.rmtree(self.var_dir / "storage", ignore_errors=True)
        self.manage("migrate", "--noinput")
        self.org_id = self._connect()

    def use(self, production: ProductionStack | None) -> None:
        """Switch to PostgreSQL + S3 (or back to SQLite + local folder), freshly reset."""
        self.production = production
        self.reset()

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def manage(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def _connect(self) -> int:
        """A tenant and a connected org, through the operators' commands."""
        self.manage(
            "tenant_register", "--org-name", "Bench", "--email", "ops@bench.example",
            "--password", "Bench-pass-1!",
        )  # fmt: skip
        creds = self.sim.credentials[0]
        out = self.manage(
            "org_connect", "--tenant", "Bench", "--name", "Generated org",
            "--login-url", creds["login_url"], "--username", creds["username"],
            "--password", creds["password"], "--client-id", creds["client_id"],
            "--client-secret", creds["client_secret"], "--generate-key",
            "--ca-bundle", self.sim.ca_path, "--json",
        )  # fmt: skip
        return json.loads(out)["org_id"]

    # --- measured commands -----------------------------------------------------------

    def backup(self, *, sync: bool = False, workers: int = 1) -> Run:
        args = ["backup_run", "--org", str(self.org_id), "--wait", "--json"]
        args += ["--workers", str(workers)] + (["--sync"] if sync else [])
        return self.measured(*args)

    def measured(self, *args: str, profile: str = "", check: bool = True) -> Run:
        """`manage.py ARGS` (a command printing its job as JSON) timed in its own process:
        wall and CPU seconds, the process's peak RSS, and the JSON it printed. `check`:
        fail unless the job completed (a failed command always fails). With `profile`, under cProfile writing its
        statistics there (slower: not a figure)."""
        python = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
        started = time.monotonic()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            process = subprocess.Popen(
                [*python, "manage.py", *args], cwd=ROOT, env=self.env, stdout=out, stderr=err
            )
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.monotonic() - started
            out.seek(0)
            err.seek(0)
            text, errors = out.read().decode(), err.read().decode()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {errors[-3000:]}")
        result = _last_json(text)
        if check and result.get("status") not in ("completed", "done"):
            raise RuntimeError(f"{args[0]} failed: {result} {errors[-3000:]}")
        cpu = usage.ru_utime + usage.ru_stime
        return Run(seconds=seconds, peak_mb=usage.ru_maxrss / 1024, result=result, cpu=cpu)

    def rows_read(self, job_id: int) -> int:
        """Rows the job read from Salesforce, from its log lines."""
        job = json.loads(self.manage("job_show", str(job_id), "--json", "--logs"))
        total = 0
        for line in job["logs"]:
            message = line["message"]
            if ": reading " in message and " rows) with " in message:
                total += int(message.rsplit("(", 1)[1].split()[0])
        return total

    def stored_bytes(self) -> int:
        assert self.production is None, "SQLite deployments only"
        with sqlite3.connect(self.db_path) as db:
            segments = db.execute("SELECT coalesce(sum(byte_size), 0) FROM vault_segment "
                                  "JOIN vault_snapshot s ON s.id = snapshot_id "
                                  "WHERE s.status = 'published'").fetchone()[0]  # fmt: skip
            blobs = db.execute("SELECT coalesce(sum(stored_bytes), 0) FROM vault_blob").fetchone()[
                0
            ]
        return segments + blobs

    def db_query(self, sql: str):
        assert self.production is None, "SQLite deployments only"
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql).fetchall()

    # --- the org --------------------------------------------------------------------

    def token(self) -> dict:
        return self.sim.token()

    def _session(self):
        token = self.token()
        session = self.sim.session()
        session.headers["Authorization"] = f"Bearer {token['access_token']}"
        return session, token["instance_url"] + f"/services/data/v{VERSION}/"

    def object_fields(self) -> dict[str, list[str]]:
        """Objects with records, and the fields a backup reads from each."""
        session, base = self._session()
        names = [
            o["name"]
            for o in session.get(base + "sobjects/").json()["sobjects"]
            if o.get("queryable")
        ]
        result = {}
        for name in names:
            count = session.get(base + "queryAll/", params={"q": f"SELECT COUNT() FROM {name}"})
            if count.status_code != 200 or not count.json().get("totalSize"):
                continue
            describe = session.get(base + f"sobjects/{name}/describe/").json()
            result[name] = [f["name"] for f in describe["fields"] if f["type"] not in SKIP_TYPES]
        return result

    def download_only(self, objects: dict[str, list[str]]) -> tuple[float, int]:
        """Seconds to merely download every object's Bulk API 2.0 CSV, and the rows."""
        session, base = self._session()
        started = time.monotonic()
        rows = 0
        for name, fields in objects.items():
            for _attempt in range(5):
                job = session.post(
                    base + "jobs/query",
                    json={
                        "operation": "queryAll",
                        "query": f"SELECT {', '.join(fields)} FROM {name}",
                    },
                ).json()
                if isinstance(job, dict):
                    break
                time.sleep(0.1)  # a transient simulator error: try again, as the backup does
            else:
                raise RuntimeError(f"{name}: {job}")
            while True:
                info = session.get(base + f"jobs/query/{job['id']}").json()
                if info["state"] == "JobComplete":
                    break
                if info["state"] in ("Failed", "Aborted"):
                    raise RuntimeError(f"{name}: the Bulk API query job failed: {info}")
                time.sleep(0.05)
            locator = ""
            while True:
                params = {"maxRecords": 100_000}
                if locator:
                    params["locator"] = locator
                with session.get(
                    base + f"jobs/query/{job['id']}/results", params=params, stream=True
                ) as response:
                    for _chunk in response.iter_content(1 << 20):
                        pass
                    rows += int(response.headers["Sforce-NumberOfRecords"])
                    locator = response.headers.get("Sforce-Locator", "null")
                if locator in ("", "null"):
                    break
        return time.monotonic() - started, rows

    def change_fraction(self, objects: dict[str, list[str]], fraction: float, tag: str) -> int:
        """Update `fraction` of each object's records (a text field) through Bulk API 2.0."""
        session, base = self._session()
        changed = 0
        for name in objects:
            describe = session.get(base + f"sobjects/{name}/describe/").json()
            field = next(
                (
                    f["name"]
                    for f in describe["fields"]
                    if f.get("updateable") and f["type"] in ("textarea", "string")
                    and f["name"] in ("Description", "Title", "Subject", "CommentBody", "Name")
                ),
                None,
            )  # fmt: skip
            if field is None:
                continue
            total = session.get(
                base + "query/", params={"q": f"SELECT COUNT() FROM {name}"}
            ).json()["totalSize"]
            wanted = max(1, int(total * fraction))
            soql = f"SELECT Id FROM {name} ORDER BY Id LIMIT {wanted} OFFSET 0"
            records = []
            body = session.get(base + "query/", params={"q": soql}).json()
            while True:
                records += [r["Id"] for r in body["records"]]
                if body.get("done", True):
                    break
                body = session.get(self.sim.base_url + body["nextRecordsUrl"]).json()
            if not records:
                continue
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(["Id", field])
            for n, record_id in enumerate(records):
                writer.writerow([record_id, f"{tag} {n}"[:80]])
            job = session.post(
                base + "jobs/ingest",
                json={
                    "object": name,
                    "operation": "update",
                    "contentType": "CSV",
                    "lineEnding": "LF",
                },
            ).json()
            session.put(
                base + f"jobs/ingest/{job['id']}/batches",
                data=buffer.getvalue().encode(),
                headers={"Content-Type": "text/csv"},
            )
            session.patch(base + f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
            while True:
                info = session.get(base + f"jobs/ingest/{job['id']}").json()
                if info["state"] in ("JobComplete", "Failed", "Aborted"):
                    break
                time.sleep(0.05)
            changed += int(info.get("numberRecordsProcessed", 0)) - int(
                info.get("numberRecordsFailed", 0)
            )
        return changed
