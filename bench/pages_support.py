"""Shared set-up for the page benchmarks (no `main()`: bench/run.py skips it).

`deployment(prefix)` gives a private, in-process OrgVault deployment (its own var/
folder and SQLite file, migrated) with a tenant, an Admin and one org; `time_pages`
asks each page `runs` times through Django's test client and prints the server's time
from request to response (median and worst), the query count and the page's size.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@contextlib.contextmanager
def deployment(prefix: str) -> Iterator[tuple]:
    """(user, org) of a fresh deployment under a temporary var/ folder, removed after."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        os.environ["ORGVAULT_VAR_DIR"] = str(work)
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from tenants.models import Tenant, User
        from tests.backups.factories import make_org

        settings.ALLOWED_HOSTS = ["*"]
        settings.DEBUG = False
        call_command("migrate", verbosity=0)
        tenant = Tenant.objects.create(name="Bench tenant")
        user = User.objects.create_user(
            email="bench@example.com", tenant=tenant, role=User.Role.ADMIN
        )
        yield user, make_org(tenant, "Bench org")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def time_pages(user, pages: list[tuple[str, str]], runs: int) -> None:
    """Print each (label, url)'s server time over `runs` requests, after one warm-up."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    width = max(len(label) for label, _ in pages)
    for label, url in pages:
        client.get(url)  # warm: templates, plotly's modules
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                begun = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"  {label:<{width}}  median {statistics.median(times):6.1f} ms, "
            f"worst {max(times):6.1f} ms, {len(queries)} queries, "
            f"{len(response.content) / 1024:.0f} KiB"
        )
