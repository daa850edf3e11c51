# ruff: noqa: S608  (SOQL built from described object and field names)
"""Benchmark: Bulk API 2.0 query throughput of the simulator on a 1,000,000-record org.

    .venv/bin/python bench/sfsim_bulk.py [--records 1000000] [--seed 1] [--data var/bench/sfsim-1m]

Generates the org once (cached under var/bench/, the load time is printed when it runs),
starts ``manage.py sfsim serve``, then runs Bulk API 2.0 query jobs and downloads all
result pages: Account with 15 typical fields, Account with all its non-compound fields,
and every queryable object with all its fields. Prints records/s (job creation to last byte) and
the server's peak RSS. Not a test: it prints figures and never fails on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
VERSION = "62.0"
PAGE = 100_000
SKIP_TYPES = {"address", "location", "base64"}
TYPICAL_ACCOUNT_FIELDS = [
    "Id",
    "Name",
    "Type",
    "Industry",
    "Phone",
    "Website",
    "BillingCity",
    "BillingCountry",
    "AnnualRevenue",
    "NumberOfEmployees",
    "OwnerId",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "IsDeleted",
]


def manage(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "sfsim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py sfsim {args[0]} failed:\n{result.stderr}")
    return result.stdout


def ensure_org(data_dir: Path, records: int, seed: int) -> None:
    marker = data_dir / f"generated-{records}-{seed}.done"
    if marker.exists():
        print(f"reusing generated org in {data_dir}")
        return
    print(f"generating a {records:,}-record org in {data_dir} ...", flush=True)
    started = time.monotonic()
    manage("load", "--data", str(data_dir), "--generate", str(records), "--seed", str(seed))
    print(f"  sfsim load --generate {records}: {time.monotonic() - started:.1f} s")
    marker.write_text(str(time.time()))


def start_server(data_dir: Path) -> tuple[subprocess.Popen, str, str]:
    log_path = data_dir / "bench-serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "sfsim", "serve", "--data", str(data_dir), "--port", "0"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for line in log_path.read_text().splitlines():
            if line.startswith("sfsim ready at "):
                url = line.split("ready at ", 1)[1].split()[0]
                ca = line.split("(CA: ", 1)[1].rstrip(")")
                return process, url, ca
        if process.poll() is not None:
            raise SystemExit(f"server exited:\n{log_path.read_text()}")
        time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bulk_query(session: requests.Session, base: str, soql: str) -> tuple[int, int, float, float]:
    """(records, bytes, seconds until JobComplete, seconds in total)."""
    started = time.monotonic()
    job = session.post(f"{base}/jobs/query", json={"operation": "query", "query": soql})
    job.raise_for_status()
    job_id = job.json()["id"]
    while True:
        info = session.get(f"{base}/jobs/query/{job_id}").json()
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            break
        time.sleep(0.05)
    if info["state"] != "JobComplete":
        raise SystemExit(f"job {job_id} ended {info['state']}: {info.get('errorMessage')}")
    job_seconds = time.monotonic() - started
    records = size = 0
    locator = ""
    while True:
        params = {"maxRecords": PAGE}
        if locator:
            params["locator"] = locator
        with session.get(f"{base}/jobs/query/{job_id}/results", params=params, stream=True) as page:
            page.raise_for_status()
            for chunk in page.iter_content(chunk_size=1 << 20):
                size += len(chunk)
            records += int(page.headers["Sforce-NumberOfRecords"])
            locator = page.headers["Sforce-Locator"]
        if locator == "null":
            break
    session.delete(f"{base}/jobs/query/{job_id}")
    return records, size, job_seconds, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=str(ROOT / "var" / "bench" / "sfsim-1m"))
    args = parser.parse_args()
    data_dir = Path(args.data)
    data_dir.mkdir(parents=True, exist_ok=True)
    ensure_org(data_dir, args.records, args.seed)
    creds = json.loads(manage("credentials", "--data", str(data_dir), "--json"))[0]
    process, url, ca = start_server(data_dir)
    try:
        session = requests.Session()
        session.trust_env = False
        session.verify = ca
        token = session.post(
            f"{url}/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
                "username": creds["username"],
                "password": creds["password"],
            },
        ).json()
        session.headers["Authorization"] = f"Bearer {token['access_token']}"
        base = f"{url}/services/data/v{VERSION}"

        objects = []
        for entry in session.get(f"{base}/sobjects").json()["sobjects"]:
            if entry["queryable"] and not entry["name"].endswith(("__b", "__mdt")):
                count = session.get(
                    f"{base}/query", params={"q": f"SELECT COUNT() FROM {entry['name']}"}
                )
                if count.status_code == 200 and count.json()["totalSize"]:
                    objects.append((count.json()["totalSize"], entry["name"]))
        objects.sort(reverse=True)
        print(
            f"org: {sum(n for n, _ in objects):,} records in {len(objects)} objects; "
            f"largest: {', '.join(f'{name} {n:,}' for n, name in objects[:4])}"
        )

        def fields_of(name: str) -> list[str]:
            described = session.get(f"{base}/sobjects/{name}/describe").json()
            return [f["name"] for f in described["fields"] if f["type"] not in SKIP_TYPES]

        account_fields = fields_of("Account")
        typical = [f for f in TYPICAL_ACCOUNT_FIELDS if f in account_fields]
        for label, fields in (("typical", typical), ("all", account_fields)):
            records, size, job_s, total_s = bulk_query(
                session, base, f"SELECT {', '.join(fields)} FROM Account"
            )
            print(
                f"Bulk API 2.0 query, Account, {label} fields ({len(fields)}): {records:,} "
                f"records, {size / 1e6:.0f} MB in {total_s:.2f} s (job {job_s:.2f} s) "
                f"= {records / total_s:,.0f} records/s"
            )
        all_records = 0
        all_seconds = 0.0
        for _count, name in objects:
            n, _size, _job_s, seconds = bulk_query(
                session, base, f"SELECT {', '.join(fields_of(name))} FROM {name}"
            )
            all_records += n
            all_seconds += seconds
        print(
            f"Bulk API 2.0 query, all {len(objects)} objects (all fields): {all_records:,} "
            f"records in {all_seconds:.2f} s = {all_records / all_seconds:,.0f} records/s"
        )
        print(f"server peak RSS: {peak_rss_mb(process.pid):.0f} MB")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
