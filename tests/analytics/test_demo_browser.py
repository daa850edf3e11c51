"""The Analytics tabs on the demo's org: the history `manage.py demo` builds (real
backups against a private simulator on earlier days), its aggregates written by the
job_finished hook as each backup ended, every chart drawn in Chromium with data."""

import io
import json
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from analytics.models import JobObjectStat, JobStat
from demo.history import DemoSimulator, demo_history_build
from jobs.models import Job
from orgs.models import Org
from tests.analytics.test_browser import CHARTS, LOCAL_HOSTS, _charts_have_data, _sign_in
from tests.fixtures.sfsim import prepare_data_dir, start_sfsim

pytestmark = pytest.mark.django_db(transaction=True)

DAYS = 3


@pytest.fixture(scope="module")
def demo_sfsim(tmp_path_factory):
    """A simulator of its own: the history moves its clock back."""
    data_dir = prepare_data_dir(tmp_path_factory.mktemp("analytics-demo-sfsim"), generate=200)
    with start_sfsim(data_dir) as server:
        yield server


@pytest.fixture
def demo_org(demo_sfsim, admin_a, settings, tmp_path, monkeypatch):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", demo_sfsim.ca_path)
    creds = demo_sfsim.credentials[0]
    out = io.StringIO()
    call_command(
        "org_connect",
        "--tenant", admin_a.tenant.name,
        "--name", "Demo Production",
        "--login-url", creds["login_url"],
        "--username", creds["username"],
        "--password", creds["password"],
        "--client-id", creds["client_id"],
        "--client-secret", creds["client_secret"],
        "--generate-key",
        "--ca-bundle", demo_sfsim.ca_path,
        "--json",
        stdout=out,
    )  # fmt: skip
    org = Org.objects.get(pk=json.loads(out.getvalue())["org_id"])
    sim = DemoSimulator.from_credentials(demo_sfsim.data_dir, demo_sfsim.ca_path, creds)
    demo_history_build(sim=sim, org_id=org.pk, days=DAYS)
    return org


def test_the_demo_history_is_charted(page, live_server, admin_a, demo_org):
    jobs = Job.objects.filter(org=demo_org, status=Job.Status.COMPLETED)
    assert jobs.count() == DAYS
    assert JobStat.objects.filter(org=demo_org).count() == DAYS  # written by the hook
    assert JobObjectStat.objects.filter(org=demo_org, changed__gt=0).exists()

    _sign_in(page, live_server, admin_a)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: None if urlsplit(r.url).hostname in LOCAL_HOSTS else problems.append(r.url),
    )
    page.goto(live_server.url + reverse("analytics:performance", args=[demo_org.pk]))
    _charts_have_data(page, CHARTS["Performance"])
    assert "Demo history, day 3 of 3" in page.content()
    page.get_by_role("link", name="Week", exact=True).click()
    page.wait_for_url("**group=week**")
    _charts_have_data(page, CHARTS["Performance"])
    tabs = page.get_by_role("navigation", name="Analytics")
    tabs.get_by_role("link", name="Monitoring").click()
    page.wait_for_url("**/analytics/monitoring/**")
    _charts_have_data(page, CHARTS["Monitoring"])
    tabs.get_by_role("link", name="Salesforce").click()
    page.wait_for_url("**/analytics/salesforce/**")
    _charts_have_data(page, CHARTS["Salesforce"])
    labels = page.evaluate("document.getElementById('chart-lifecycle').data[0].node.label")
    assert "Account" in labels and "Created" in labels
    page.get_by_role("link", name="Records", exact=True).click()
    page.wait_for_url("**measure=records**")
    _charts_have_data(page, CHARTS["Salesforce"])
    assert problems == []
