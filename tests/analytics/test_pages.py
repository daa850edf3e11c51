"""The Analytics pages: what they show, their query counts, toggles and tenant scope."""

import json
import re

import pytest
from django.urls import reverse

from analytics.models import JobObjectStat, JobStat
from tests.analytics.factories import REST_LIMIT, make_history
from tests.backups.factories import make_org

PAGES = ["analytics:performance", "analytics:monitoring", "analytics:salesforce"]
# session, user, org, then each page's own reads (analytics/selectors.py), and the User's
# permission groups (the sidebar shows only what they may do): constant.
QUERIES = {"analytics:performance": 9, "analytics:monitoring": 6, "analytics:salesforce": 7}


def figures(html: str) -> dict[str, list[dict]]:
    """{chart div id: its traces}, read from the figures' JSON data blocks in the page
    (static/js/charts.js draws them; the page holds no inline script)."""
    found = {}
    for div_id, figure in re.findall(
        r'<script type="application/json" id="[\w-]+" data-plotly-figure="([\w-]+)">(.*?)</script>',
        html,
        re.S,
    ):
        found[div_id] = json.loads(figure)["data"]
    assert "Plotly.newPlot" not in html
    return found


@pytest.fixture
def history_org(tenant_a):
    org = make_org(tenant_a)
    make_history(org, days=40, objects=12)
    return org


def test_performance_shows_timeline_activity_and_summary(client_user_a, history_org):
    html = client_user_a.get(
        reverse("analytics:performance", args=[history_org.pk])
    ).content.decode()
    charts = figures(html)
    backups = next(t for t in charts["chart-timeline"] if t["name"] == "Backup")
    assert len(backups["x"]) == 7 and sum(backups["y"]) == 7  # one backup a day, last 7 days
    assert {t["name"] for t in charts["chart-timeline"]} >= {
        "Backup",
        "Restore",
        "Archive",
        "Export",
    }
    assert "History day 40" in html and "History day 26" in html  # Activity: latest 15
    assert "History day 25" not in html
    assert 'src="/static/vendor/plotly.min.js"' in html
    assert "cdn" not in html.lower()
    # Summary: 7 jobs, one of them the failed one; stored bytes in the range.
    assert re.search(r"<td>Composite Backup</td><td>7</td><td>6</td><td>1</td>", html)


def test_week_groups_the_timeline(client_user_a, history_org):
    url = reverse("analytics:performance", args=[history_org.pk])
    html = client_user_a.get(url + "?range=30d&group=week").content.decode()
    backups = next(t for t in figures(html)["chart-timeline"] if t["name"] == "Backup")
    assert sum(backups["y"]) == 30
    assert 5 <= len(backups["x"]) <= 6  # 30 days fall in five or six weeks
    assert 'aria-current="true">Week<' in html


def test_monitoring_shows_api_calls_against_the_limit_and_durations(client_user_a, history_org):
    html = client_user_a.get(
        reverse("analytics:monitoring", args=[history_org.pk])
    ).content.decode()
    charts = figures(html)
    api = {t["name"]: t for t in charts["chart-api-usage"]}
    stats = JobStat.objects.filter(org=history_org).order_by("-day")[:7]
    assert sum(api["REST calls"]["y"]) + sum(api["Bulk API calls"]["y"]) == sum(
        s.api_calls for s in stats
    )
    assert set(api["Daily REST limit"]["y"]) == {REST_LIMIT}
    assert set(api["Quota (80% of the limit)"]["y"]) == {REST_LIMIT * 80 // 100}
    assert f"daily REST limit, as the API quota guard last read it, is {REST_LIMIT} calls" in html
    durations = charts["chart-durations"][0]
    assert len(durations["y"]) == 7 and all(5 <= y <= 11 for y in durations["y"])


def test_monitoring_without_a_known_limit_shows_only_the_calls(client_user_a, history_org):
    JobStat.objects.filter(org=history_org).update(rest_limit=0)
    html = client_user_a.get(
        reverse("analytics:monitoring", args=[history_org.pk])
    ).content.decode()
    names = {t["name"] for t in figures(html)["chart-api-usage"]}
    assert names == {"REST calls", "Bulk API calls"}
    assert "only the calls are shown" in html


def test_salesforce_shows_growth_lifecycle_and_storage(client_user_a, history_org):
    url = reverse("analytics:salesforce", args=[history_org.pk])
    html = client_user_a.get(url).content.decode()
    charts = figures(html)
    size = {t["name"]: t for t in charts["chart-growth-size"]}
    records = {t["name"]: t for t in charts["chart-growth-records"]}
    assert "Other objects" in size and len(size) == 11  # top ten and the rest
    last = JobObjectStat.objects.filter(org=history_org, object_name="Custom3__c").latest("id")
    assert records["Custom3__c"]["y"][-1] == last.records  # the biggest object
    sankey = charts["chart-lifecycle"][0]
    assert {"Account", "Created", "Updated", "Deleted", "Archived", "Purged"} <= set(
        sankey["node"]["label"]
    )
    week = JobObjectStat.objects.filter(org=history_org, object_name="Account").order_by("-id")[:7]
    account = sankey["node"]["label"].index("Account")
    created = sankey["node"]["label"].index("Created")
    flows = dict(
        zip(
            zip(sankey["link"]["source"], sankey["link"]["target"], strict=True),
            sankey["link"]["value"],
            strict=True,
        )
    )
    assert flows[(account, created)] == sum(s.added for s in week)
    sunburst = charts["chart-sunburst"][0]
    assert sunburst["values"][0] == sum(
        JobObjectStat.objects.filter(org=history_org)
        .order_by("-id")[:12]
        .values_list("stored_bytes", flat=True)
    )
    assert charts["chart-treemap"][0]["type"] == "treemap"

    by_records = figures(client_user_a.get(url + "?measure=records").content.decode())
    assert by_records["chart-treemap"][0]["values"][0] == sum(
        JobObjectStat.objects.filter(org=history_org)
        .order_by("-id")[:12]
        .values_list("records", flat=True)
    )


@pytest.mark.parametrize("name", PAGES)
def test_each_page_runs_a_constant_number_of_queries(
    client_user_a, tenant_a, django_assert_num_queries, name
):
    short, long = make_org(tenant_a, "Short"), make_org(tenant_a, "Long")
    make_history(short, days=3, objects=2)
    make_history(long, days=120, objects=15)
    for org in (short, long):
        with django_assert_num_queries(QUERIES[name]):
            response = client_user_a.get(reverse(name, args=[org.pk]) + "?range=12m")
        assert response.status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_an_org_without_history_shows_empty_charts(client_user_a, tenant_a, name):
    org = make_org(tenant_a)
    response = client_user_a.get(reverse(name, args=[org.pk]))
    assert response.status_code == 200
    assert figures(response.content.decode())


@pytest.mark.parametrize("name", PAGES)
def test_another_tenant_gets_404(client_outsider, history_org, name):
    assert client_outsider.get(reverse(name, args=[history_org.pk])).status_code == 404


def test_a_custom_range_longer_than_a_year_is_cut_and_said(client_user_a, history_org):
    url = reverse("analytics:performance", args=[history_org.pk])
    html = client_user_a.get(url + "?range=custom&start=2020-01-01&end=2022-06-30").content.decode()
    assert "A range covers at most 12 months; showing 30 Jun 2021 to 30 Jun 2022." in html
    backups = next(t for t in figures(html)["chart-timeline"] if t["name"] == "Backup")
    assert len(backups["x"]) == 366 and sum(backups["y"]) == 0


def test_the_sidebar_links_to_analytics(client_user_a, history_org):
    html = client_user_a.get(reverse("orgs:get_started", args=[history_org.pk])).content.decode()
    assert reverse("analytics:performance", args=[history_org.pk]) in html
