"""Analytics pages' server time: one year of daily backups on 30 objects.

    .venv/bin/python bench/run.py analytics_pages    # BENCH_ANALYTICS_DAYS, _OBJECTS, _RUNS

A private OrgVault deployment (its own var/ folder and SQLite file) gets a tenant, an
org and `days` finished daily backups of `objects` objects (tests/analytics/factories.py,
the aggregates built by the same service the job_finished hook calls). Each Analytics
page is then asked for `runs` times through Django's test client, in process, for the
widest range (12 months) and its toggles: the figure is the server's time from request
to response (median and worst), with the page's query count and size. The target is
≤ 300 ms a page; benchmarks print, they never fail on a time.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = [
    ("analytics:performance", "?range=12m"),
    ("analytics:performance", "?range=12m&group=week"),
    ("analytics:monitoring", "?range=12m"),
    ("analytics:salesforce", "?range=12m"),
    ("analytics:salesforce", "?range=12m&measure=records"),
]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    try:
        _run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path) -> None:
    days = int(os.environ.get("BENCH_ANALYTICS_DAYS", "365"))
    objects = int(os.environ.get("BENCH_ANALYTICS_OBJECTS", "30"))
    runs = int(os.environ.get("BENCH_ANALYTICS_RUNS", "10"))
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

    from tenants.models import Tenant, User
    from tests.analytics.factories import make_history
    from tests.backups.factories import make_org

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(name="Bench tenant")
    user = User.objects.create_user(email="bench@example.com", tenant=tenant, role=User.Role.ADMIN)
    org = make_org(tenant, "Bench org")
    started = time.monotonic()
    make_history(org, days=days, objects=objects)
    print(
        f"Analytics pages: {days} daily backups on {objects} objects "
        f"(history and aggregates built in {time.monotonic() - started:.1f} s), {runs} runs a page"
    )
    client = Client()
    client.force_login(user)
    for name, query in PAGES:
        url = reverse(name, args=[org.pk]) + query
        client.get(url)  # warm: templates, plotly's modules
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                begun = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 200, response.status_code
        print(
            f"  {name.split(':')[1]:<12} {query:<28} median {statistics.median(times):6.1f} ms, "
            f"worst {max(times):6.1f} ms, {len(queries)} queries, "
            f"{len(response.content) / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
