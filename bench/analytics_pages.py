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
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages_support import deployment, time_pages  # noqa: E402

PAGES = [
    ("analytics:performance", "?range=12m"),
    ("analytics:performance", "?range=12m&group=week"),
    ("analytics:monitoring", "?range=12m"),
    ("analytics:salesforce", "?range=12m"),
    ("analytics:salesforce", "?range=12m&measure=records"),
]


def main() -> None:
    days = int(os.environ.get("BENCH_ANALYTICS_DAYS", "365"))
    objects = int(os.environ.get("BENCH_ANALYTICS_OBJECTS", "30"))
    runs = int(os.environ.get("BENCH_ANALYTICS_RUNS", "10"))
    with deployment("bench-analytics-") as (user, org):
        from django.urls import reverse

        from tests.analytics.factories import make_history

        started = time.monotonic()
        make_history(org, days=days, objects=objects)
        print(
            f"Analytics pages: {days} daily backups on {objects} objects (history and "
            f"aggregates built in {time.monotonic() - started:.1f} s), {runs} runs a page"
        )
        pages = [
            (f"{name.split(':')[1]} {query}", reverse(name, args=[org.pk]) + query)
            for name, query in PAGES
        ]
        time_pages(user, pages, runs)


if __name__ == "__main__":
    main()
