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
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-backup-pages-"))
    try:
        _run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path) -> None:
    count = int(os.environ.get("BENCH_PAGES_JOBS", "10000"))
    runs = int(os.environ.get("BENCH_PAGES_RUNS", "10"))
    os.environ["ORGVAULT_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from backups.operations import COMPOSITE_BACKUP
    from jobs.models import Job
    from tenants.models import Tenant, User
    from tests.backups.factories import make_org

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(name="Bench tenant")
    user = User.objects.create_user(email="bench@example.com", tenant=tenant, role=User.Role.ADMIN)
    org = make_org(tenant, "Bench org")
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
    client = Client()
    client.force_login(user)
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
    for label, url in pages:
        client.get(url)  # warm: templates
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                begun = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 200, response.status_code
        print(
            f"  {label:<46} median {statistics.median(times):6.1f} ms, "
            f"worst {max(times):6.1f} ms, {len(queries)} queries"
        )


if __name__ == "__main__":
    main()
