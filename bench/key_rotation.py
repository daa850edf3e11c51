"""Benchmark: key rotation throughput (re-encrypting a backed-up vault with a new key).

    .venv/bin/python bench/key_rotation.py [--records 20000]

Generates a fresh org (under var/bench/key-rotation), backs it up in full, then runs
`vault_key_rotate --generate --wait` (the rotation job's chunks in one process) and
`vault_verify`. Prints objects and MB re-encrypted per second. BENCH_ROTATION_RECORDS
sets the default size. Prints figures; never fails on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup_support import ROOT, Bench, machine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", type=int, default=int(os.environ.get("BENCH_ROTATION_RECORDS", "20000"))
    )
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "key-rotation"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"Key rotation benchmark on {machine()}")
    with Bench(work, args.records) as bench:
        full = bench.backup()
        stored = bench.stored_bytes()
        print(f"  full backup: {full.result['records']:,} records, {stored / 1e6:.2f} MB stored")
        started = time.monotonic()
        out = bench.manage(
            "vault_key_rotate", "--org", str(bench.org_id), "--generate", "--wait", "--json"
        )
        seconds = time.monotonic() - started
        result = json.loads(out)
        print(
            f"  rotation: {result['status']}, {result['done']:,} objects checked, "
            f"{result['rewritten']:,} re-encrypted in {seconds:.1f} s = "
            f"{result['done'] / seconds:,.0f} objects/s, {stored / 1e6 / seconds:.2f} MB/s "
            "(command start-up included)"
        )
        verify = json.loads(bench.manage("vault_verify", "--org", str(bench.org_id), "--json"))
        print(f"  vault_verify after rotation: {len(verify['problems'])} problem(s)")


if __name__ == "__main__":
    main()
