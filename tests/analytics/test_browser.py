"""The Analytics tabs in Chromium: every chart drawn by the local plotly.js with data,
the Day/Week and Size/Records toggles, no console error and no request off the host."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.analytics.factories import make_history
from tests.backups.factories import make_org

pytestmark = pytest.mark.django_db(transaction=True)

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CHARTS = {
    "Performance": ["chart-timeline"],
    "Monitoring": ["chart-api-usage", "chart-durations"],
    "Salesforce": [
        "chart-growth-size",
        "chart-growth-records",
        "chart-lifecycle",
        "chart-sunburst",
        "chart-treemap",
    ],
}
# How many points a drawn chart holds, whatever its kind (bars, lines, sankey, sunburst).
POINTS = """id => {
  const gd = document.getElementById(id);
  if (!gd || !gd.classList.contains('js-plotly-plot') || !gd.data) return -1;
  return gd.data.reduce((n, t) => n + Math.max(
      (t.y || []).filter(v => v).length, (t.values || []).filter(v => v).length,
      ((t.link || {}).value || []).length), 0);
}"""


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _charts_have_data(page, names: list[str]) -> None:
    for name in names:
        page.wait_for_selector(f"#{name}.js-plotly-plot .main-svg", state="attached")
        assert page.evaluate(POINTS, name) > 0, f"{name} has no data"


def test_every_analytics_tab_draws_its_charts(page, live_server, admin_a):
    org = make_org(admin_a.tenant, name="Charted org")
    make_history(org, days=60, objects=12)
    _sign_in(page, live_server, admin_a)
    # The app has no favicon yet (base.html); Chromium's own request for it is not ours.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "request",
        lambda r: (
            None
            if urlsplit(r.url).hostname in LOCAL_HOSTS
            else problems.append(f"request to {r.url}")
        ),
    )

    page.goto(live_server.url + reverse("analytics:performance", args=[org.pk]) + "?range=30d")
    _charts_have_data(page, CHARTS["Performance"])
    days = page.evaluate("document.getElementById('chart-timeline').data[0].x.length")
    assert days == 30
    page.get_by_role("link", name="Week", exact=True).click()
    page.wait_for_url("**group=week**")
    _charts_have_data(page, CHARTS["Performance"])
    weeks = page.evaluate("document.getElementById('chart-timeline').data[0].x.length")
    assert 5 <= weeks <= 6
    page.get_by_role("link", name="Day", exact=True).click()
    page.wait_for_url("**group=day**")
    _charts_have_data(page, CHARTS["Performance"])
    assert page.evaluate("document.getElementById('chart-timeline').data[0].x.length") == 30

    page.get_by_role("navigation", name="Analytics").get_by_role("link", name="Monitoring").click()
    page.wait_for_url("**/analytics/monitoring/**")
    _charts_have_data(page, CHARTS["Monitoring"])

    page.get_by_role("navigation", name="Analytics").get_by_role("link", name="Salesforce").click()
    page.wait_for_url("**/analytics/salesforce/**")
    _charts_have_data(page, CHARTS["Salesforce"])
    by_size = page.evaluate("document.getElementById('chart-treemap').data[0].values[0]")
    page.get_by_role("link", name="Records", exact=True).click()
    page.wait_for_url("**measure=records**")
    _charts_have_data(page, CHARTS["Salesforce"])
    by_records = page.evaluate("document.getElementById('chart-treemap').data[0].values[0]")
    assert by_records != by_size
    assert "records" in page.evaluate(
        "document.getElementById('chart-sunburst').data[0].hovertemplate"
    )
    page.get_by_role("link", name="Size", exact=True).click()
    page.wait_for_url("**measure=size**")
    _charts_have_data(page, CHARTS["Salesforce"])
    assert page.evaluate("document.getElementById('chart-treemap').data[0].values[0]") == by_size

    assert page.url.count("range=30d") == 1  # the range survives every toggle and tab
    assert problems == []


def test_analytics_pages_pass_axe(page, live_server, admin_a):
    """The same check as tests/browser/test_accessibility.py, on each tab and toggle."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_accessibility import Audit, _audit_page

    org = make_org(admin_a.tenant, name="Audited org")
    make_history(org, days=30, objects=12)
    _sign_in(page, live_server, admin_a)
    audit = Audit()
    axe = Axe()
    for name, query in [
        ("analytics:performance", ""),
        ("analytics:performance", "?range=90d&group=week"),
        ("analytics:monitoring", ""),
        ("analytics:salesforce", ""),
        ("analytics:salesforce", "?measure=records"),
        ("analytics:salesforce", "?range=custom&start=2000-01-01&end=2000-01-02"),
    ]:
        path = reverse(name, args=[org.pk]) + query
        page.goto(live_server.url + path)
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
        _audit_page(page, axe, path, audit)
    assert audit.problems == []
