# ruff: noqa: S608  (SOQL built from generated Ids)
"""Benchmark: restore records hard-deleted after a backup, into the same org.

    .venv/bin/python bench/restore.py [--records 100000] [--work var/bench/restore]

Builds, in a simulator org served over HTTPS: Accounts in a 3-level ParentId hierarchy
(a half of the records), their Contacts (a quarter) and Cases (a quarter), loaded with
Bulk API 2.0 ingest. Backs the org up (`backup_run --wait`), hard-deletes all of them
(Bulk API 2.0 hardDelete: Cases first, they restrict their Account's delete; the
Contacts go with their Accounts), then times `restore_request` + `restore_run --wait
--json` against the org as it is now, as an operator would, and prints: wall time,
restore_run's CPU time and peak RSS (wait4), API calls and Bulk jobs per object against the floor ⌈records ÷ 200⌉ sObject Collection
calls, and whether a second update pass was needed (never, for a self-lookup).

Prints figures; never fails on a time. BENCH_RESTORE_RECORDS sets the default size.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_support import ROOT, Bench, machine  # noqa: E402

DEFAULT_RECORDS = int(os.environ.get("BENCH_RESTORE_RECORDS", "100000"))
BASE_ORG = 200  # the generated org the bench's records are added to


class Org:
    """Bulk API 2.0 ingest against the simulator (the bench's own loading and deleting)."""

    def __init__(self, bench: Bench):
        self.session, self.base = bench._session()

    def ingest(self, name: str, operation: str, rows: list[dict]) -> list[dict]:
        if not rows:
            return []
        job = self.session.post(
            self.base + "jobs/ingest",
            json={"object": name, "operation": operation, "lineEnding": "LF"},
        ).json()
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        self.session.put(
            self.base + f"jobs/ingest/{job['id']}/batches",
            data=text.getvalue().encode(),
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
        self.session.patch(self.base + f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
        while True:
            info = self.session.get(self.base + f"jobs/ingest/{job['id']}").json()
            if info["state"] in ("JobComplete", "Failed", "Aborted"):
                break
            time.sleep(0.05)
        if info["state"] != "JobComplete" or int(info.get("numberRecordsFailed", 0)):
            failed = self.session.get(self.base + f"jobs/ingest/{job['id']}/failedResults").text
            raise RuntimeError(f"{name} {operation}: {info} {failed[:500]}")
        answer = self.session.get(self.base + f"jobs/ingest/{job['id']}/successfulResults")
        return list(csv.DictReader(io.StringIO(answer.text)))

    def count(self, name: str, where: str) -> int:
        q = f"SELECT COUNT() FROM {name} WHERE {where}"
        return self.session.get(self.base + "query/", params={"q": q}).json()["totalSize"]


def load(org: Org, records: int) -> dict[str, list[str]]:
    """The bench's records; returns their Ids per object."""
    accounts = records // 2
    per_level = [accounts // 3, accounts // 3, accounts - 2 * (accounts // 3)]
    ids: dict[str, list[str]] = {"Account": [], "Contact": [], "Case": []}
    parents: list[str] = []
    for level, n in enumerate(per_level):
        rows = [
            {
                "Name": f"RB{level}-{i}",
                "Industry": "Banking",
                **({"ParentId": parents[i % len(parents)]} if parents else {}),
            }
            for i in range(n)
        ]
        made = org.ingest("Account", "insert", rows)
        by_name = {row["Name"]: row["sf__Id"] for row in made}
        parents = [by_name[f"RB{level}-{i}"] for i in range(n)]
        ids["Account"].extend(parents)
    everyone = ids["Account"]
    contacts = records // 4
    made = org.ingest(
        "Contact",
        "insert",
        [
            {"LastName": f"RBC-{i}", "Title": "Buyer", "AccountId": everyone[i % len(everyone)]}
            for i in range(contacts)
        ],
    )
    ids["Contact"] = [row["sf__Id"] for row in made]
    cases = records - accounts - contacts
    made = org.ingest(
        "Case",
        "insert",
        [
            {"Subject": f"RBS-{i}", "Status": "New", "AccountId": everyone[i % len(everyone)]}
            for i in range(cases)
        ],
    )
    ids["Case"] = [row["sf__Id"] for row in made]
    return ids


def timed_restore(bench: Bench, request_id: int, profile: str) -> tuple[float, float, float, dict]:
    """`restore_run --wait --json` in its own process: (seconds, its CPU seconds, peak RSS
    MB, its JSON). CPU seconds tell our side's cost apart from the simulator's and from a
    loaded machine's waits."""
    run = bench.measured(
        "restore_run", str(request_id), "--wait", "--json", profile=profile, check=False
    )
    return run.seconds, run.cpu, run.peak_mb, run.result


def measure(work: Path, records: int, profile: str = "") -> dict:
    print(f"\n== {records:,} records ==")
    # A fresh simulator org each time: a run leaves its restored records in the org,
    # and the next run's filters (Name LIKE 'RB%') would take them in too.
    shutil.rmtree(work / f"sim-{BASE_ORG}", ignore_errors=True)
    with Bench(work, BASE_ORG) as bench:
        org = Org(bench)
        started = time.monotonic()
        ids = load(org, records)
        print(
            f"  loaded {sum(map(len, ids.values())):,} records "
            f"({', '.join(f'{k} {len(v):,}' for k, v in ids.items())}) "
            f"in {time.monotonic() - started:.1f} s"
        )
        backup = bench.backup(sync=True)
        correct_job = backup.result["job_id"]
        print(f"  backup: Job {correct_job} in {backup.seconds:.1f} s")
        org.ingest("Case", "hardDelete", [{"Id": i} for i in ids["Case"]])
        org.ingest("Account", "hardDelete", [{"Id": i} for i in ids["Account"]])
        left = org.count("Account", "Name LIKE 'RB%'") + org.count(
            "Contact", "LastName LIKE 'RBC-%'"
        )
        print(f"  hard-deleted them all (left: {left})")

        out = bench.manage(
            "restore_request", "--org", str(bench.org_id), "--correct-job", str(correct_job),
            "--objects", "Account,Contact,Case", "--filter", "Account:Name LIKE 'RB%'",
            "--filter", "Contact:LastName LIKE 'RBC-%'", "--filter", "Case:Subject LIKE 'RBS-%'",
            "--json",
        )  # fmt: skip
        request_id = json.loads(out)["request_id"]
        seconds, cpu, peak_mb, result = timed_restore(bench, request_id, profile)
        job = json.loads(bench.manage("job_show", str(result["job_id"]), "--json", "--logs"))
        logs = [line["message"] for line in job["logs"]]
        per_object = {}
        for message in logs:
            found = re.match(
                r"(\w+): (\d+) write call\(s\) for (\d+) record\(s\), (\d+) Bulk job", message
            )
            if found:
                per_object[found[1]] = (int(found[2]), int(found[3]), int(found[4]))
        second_pass = any(": second update pass for " in m for m in logs)
        restored = {
            "Account": org.count("Account", "Name LIKE 'RB%'"),
            "Contact": org.count("Contact", "LastName LIKE 'RBC-%'"),
            "Case": org.count("Case", "Subject LIKE 'RBS-%'"),
        }
    total_writes = sum(calls for calls, _n, _jobs in per_object.values())
    floor = sum(math.ceil(n / 200) for _calls, n, _jobs in per_object.values())
    print(f"  restore: {seconds:.1f} s wall ({records / seconds:,.0f} records/s), "
          f"status {result['status']}, restore_run CPU {cpu:.1f} s, peak RSS {peak_mb:.0f} MB")  # fmt: skip
    for name, (calls, n, jobs) in per_object.items():
        print(
            f"    {name}: {n:,} records, {calls} write calls, {jobs} Bulk ingest job(s); "
            f"floor ⌈{n:,}/200⌉ = {math.ceil(n / 200)}; back in the org: {restored[name]:,}"
        )
    print(
        f"  API calls: {result['api_calls']} in all ({total_writes} writes, floor {floor}: "
        f"{total_writes / max(floor, 1):.3f}×); second update pass: "
        f"{'yes' if second_pass else 'no'}"
    )
    return {"seconds": seconds, "writes": total_writes, "floor": floor, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "restore"))
    parser.add_argument(
        "--profile", default="", help="write restore_run's cProfile statistics to this file"
    )
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    measure(Path(args.work), args.records, args.profile)


if __name__ == "__main__":
    main()
