"""Backup Overview and History pages' server time with 10,000 jobs (SQLite).

    .venv/bin/python bench/run.py backup_pages    # BENCH_PAGES_JOBS, BENCH_PAGES_RUNS

A private OrgVault deployment (its own var/ folder and SQLite file) gets one org with
`jobs` finished backups, one every two hours. Each page is asked for `runs` times through
Django's test client, in process: the figure is the server's time from request to
response (median and worst) and the page's query count. History's deep page is read both
ways: by its page number (OFFSET, what a typed URL does) and by the Older link (keyset,
what a user clicking through gets). Targets: Overview <= 100 ms, History <= 50 ms at any
depth. Benchmarks print; they never fail on a time.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages_support import deployment, time_pages  # noqa: E402


def main() -> None:
    count = int(os.environ.get("BENCH_PAGES_JOBS", "10000"))
    runs = int(os.environ.get("BENCH_PAGES_RUNS", "10"))
    with deployment("bench-backup-pages-") as (user, org):
        _run(user, org, count, runs)


def _run(user, org, count: int, runs: int) -> None:
    from django.urls import reverse
    from django.utils import timezone

    from backups.operations import COMPOSITE_BACKUP
    from jobs.models import Job

    tenant = org.tenant
    now = timezone.now()
    started = time.monotonic()
    Job.objects.bulk_create(
        [
            Job(
                org=org,
                operation=COMPOSITE_BACKUP,
                tenant=tenant,
                name=f"Backup {n}",
                status=Job.Status.COMPLETED,
                trigger=Job.Trigger.SYSTEM_SCHEDULE,
                created_at=now - timedelta(hours=2 * n),
                started_at=now - timedelta(hours=2 * n),
                finished_at=now - timedelta(hours=2 * n) + timedelta(minutes=3),
                records=100_000 + n,
                added=n % 50,
                changed=n % 70,
                deleted=n % 5,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    print(
        f"Backup pages: {count:,} jobs (made in {time.monotonic() - started:.1f} s), "
        f"{runs} runs a page"
    )
    history = reverse("backups:history", args=[org.pk])
    deep = 200
    # The Older link of page deep - 1 carries the key of that page's last row.
    before = Job.objects.filter(org=org).order_by("-created_at", "-id")[(deep - 1) * 10 - 1]
    key = f"{before.created_at.isoformat()}_{before.pk}"
    pages = [
        ("Overview", reverse("backups:overview", args=[org.pk])),
        ("History, first page", history),
        (f"History, page {deep} by number (OFFSET)", f"{history}?page={deep}"),
        (
            f"History, page {deep} by the Older link (keyset)",
            f"{history}?page={deep}&dir=next&key={key.replace('+', '%2B')}",
        ),
        ("History, last page", f"{history}?page={-(-count // 10)}"),
    ]
    time_pages(user, pages, runs)


if __name__ == "__main__":
    main()
