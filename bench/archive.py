# ruff: noqa: S608  (SOQL built from generated names)
"""Benchmark: archive Cases with their comments, attachments and files.

    .venv/bin/python bench/archive.py [--records 100000] [--work var/bench/archive]

Builds, in a simulator org served over HTTPS: N Cases (Bulk API 2.0 ingest), a
CaseComment for every second Case, an Attachment (with a body) for every eighth and a
file (ContentVersion published to the Case, so ContentDocument + ContentDocumentLink)
for every eighth. Then, as an operator would:

1. a Templated Backup of the same records (`template_create` + `backup_run --template
   --wait`), timed: the reference (it reads no file bodies); then a full backup with
   Binary Objects (`backup_run --include binary_objects`), which reads the same bodies;
2. `archive_template_create` (Case, its dependents added by themselves) and `archive_run
   --wait --json` in its own process: wall time, peak RSS (wait4), API calls, and the
   delete calls against the floor ⌈n/200⌉ of the records it deleted directly.

Prints figures (target: archive ≤ 2× the backup's time); never fails on a time.
BENCH_ARCHIVE_RECORDS sets the default size.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_support import ROOT, Bench, machine  # noqa: E402
from restore import Org  # noqa: E402

DEFAULT_RECORDS = int(os.environ.get("BENCH_ARCHIVE_RECORDS", "100000"))
BASE_ORG = 200  # the generated org the bench's records are added to
TAG = "ARB"


def collections_insert(org: Org, name: str, rows: list[dict]) -> None:
    """Records with binary bodies, 200 per sObject Collections call."""
    for at in range(0, len(rows), 200):
        body = {
            "allOrNone": True,
            "records": [{"attributes": {"type": name}, **r} for r in rows[at : at + 200]],
        }
        answer = org.session.post(org.base + "composite/sobjects", json=body)
        answer.raise_for_status()
        failed = [r for r in answer.json() if not r.get("success")]
        if failed:
            raise RuntimeError(f"{name}: {failed[:3]}")


def load(org: Org, n: int) -> dict[str, int]:
    made = org.ingest(
        "Case", "insert", [{"Subject": f"{TAG}-{i}", "Status": "Closed"} for i in range(n)]
    )
    cases = [row["sf__Id"] for row in made]
    org.ingest(
        "CaseComment",
        "insert",
        [{"ParentId": c, "CommentBody": f"comment {i}"} for i, c in enumerate(cases[::2])],
    )
    body = base64.b64encode(b"attachment body " * 64).decode()
    collections_insert(
        org,
        "Attachment",
        [{"ParentId": c, "Name": f"a{i}.txt", "Body": body} for i, c in enumerate(cases[::8])],
    )
    collections_insert(
        org,
        "ContentVersion",
        [
            {
                "Title": f"f{i}",
                "PathOnClient": f"f{i}.txt",
                "VersionData": body,
                "FirstPublishLocationId": c,
            }
            for i, c in enumerate(cases[1::8])
        ],  # fmt: skip
    )
    return {
        "Case": n,
        "CaseComment": len(cases[::2]),
        "Attachment": len(cases[::8]),
        "ContentVersion": len(cases[1::8]),
    }


def timed(bench: Bench, *args: str, profile: str = "") -> tuple[float, float, dict]:
    """(seconds, peak RSS MB, the JSON) of a command run in its own process."""
    run = bench.measured(*args, profile=profile, check=False)
    return run.seconds, run.peak_mb, run.result


def measure(
    work: Path, records: int, profile: str = "", with_bodies_reference: bool = True
) -> dict:
    print(f"\n== {records:,} Cases ==")
    with Bench(work, BASE_ORG) as bench:
        org = Org(bench)
        started = time.monotonic()
        loaded = load(org, records)
        print(f"  loaded {loaded} in {time.monotonic() - started:.1f} s")
        spec = {"name": "Bench cases", "objects": [
            {"name": "Case", "filter": {"soql": f"Subject LIKE '{TAG}-%'"}, "children": [
                {"name": "CaseComment", "relationship": "CaseComments"},
                {"name": "Attachment", "relationship": "Attachments"},
                {"name": "ContentDocumentLink", "relationship": "ContentDocumentLinks"}]}]}  # fmt: skip
        path = work / "template.json"
        path.write_text(json.dumps(spec))
        bench.manage("template_create", "--org", str(bench.org_id), "--from-json", str(path))
        backup_s, backup_mb, backup = timed(
            bench, "backup_run", "--org", str(bench.org_id), "--template", "Bench cases",
            "--wait", "--json",
        )  # fmt: skip
        print(f"  templated backup: {backup_s:.1f} s, {backup['records']:,} records, "
              f"{backup['api_calls']} API calls, peak RSS {backup_mb:.0f} MB")  # fmt: skip
        # A templated backup reads no file bodies; the archive must. A full backup with
        # Binary Objects reads the same bodies (and the org's few other records): shown as
        # a second reference.
        files_s = float("nan")
        if with_bodies_reference:
            files_s, files_mb, files = timed(
                bench, "backup_run", "--org", str(bench.org_id), "--include", "binary_objects",
                "--wait", "--json",
            )  # fmt: skip
            print(f"  full backup with Binary Objects: {files_s:.1f} s, {files['records']:,} "
                  f"records, {files['api_calls']} API calls, peak RSS {files_mb:.0f} MB")  # fmt: skip
        spec["name"] = "Archive cases"
        path.write_text(json.dumps(spec))
        bench.manage(
            "archive_template_create", "--org", str(bench.org_id), "--from-json", str(path)
        )
        seconds, peak_mb, result = timed(
            bench, "archive_run", "--org", str(bench.org_id), "--template", "Archive cases",
            "--wait", "--json", "--confirm", "Generated org", profile=profile,
        )  # fmt: skip
        left = org.count("Case", f"Subject LIKE '{TAG}-%'")
        deletes = bench.db_query(
            "SELECT count(*) FROM jobs_joblog WHERE message LIKE '%deleted,%refused by Salesforce%'"
        )[0][0]
    totals = result["totals"]
    direct = sum(row["deleted"] - row["cascade_deleted"] for row in result["objects"].values())
    print(f"  archive: {seconds:.1f} s wall ({seconds / backup_s:.2f}× the templated backup; "
          f"target ≤ 2×; {seconds / files_s:.2f}× the full backup with Binary Objects), "
          f"status {result['status']}, peak RSS {peak_mb:.0f} MB")  # fmt: skip
    print(f"    archived {totals['archived']:,}, deleted {totals['deleted']:,} ({direct:,} "
          f"directly), kept {totals['kept']:,}, refused {totals['refused']:,}; Cases left: {left}")  # fmt: skip
    print(f"    API calls: {result['api_calls']} in all; direct deletes floor ⌈{direct:,}/200⌉ = "
          f"{math.ceil(direct / 200)} ({deletes} objects deleted directly)")  # fmt: skip
    print(f"    storage freed in Salesforce: {result['storage_freed_bytes'] / 1e6:.1f} MB")
    return {"seconds": seconds, "backup_seconds": backup_s, "files_backup_seconds": files_s,
            "api_calls": result["api_calls"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "archive"))
    parser.add_argument("--profile", default="", help="cProfile the archive run into this file")
    parser.add_argument(
        "--no-bodies-reference",
        action="store_true",
        help="skip the full backup with Binary Objects (the longest step at 100k)",
    )
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    measure(Path(args.work), args.records, args.profile, not args.no_bodies_reference)


if __name__ == "__main__":
    main()
