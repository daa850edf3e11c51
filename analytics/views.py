"""Analytics pages of one org: Performance, Monitoring, Salesforce."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from analytics import charts, selectors
from analytics.ranges import PRESETS, range_from_query
from orgs.selectors import org_get


def _page(request, org_id: int):
    org = org_get(tenant=request.user.tenant, org_id=org_id)
    try:
        zone = ZoneInfo(request.user.tenant.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    rng, problem = range_from_query(request.GET, today=timezone.localdate(timezone=zone))
    if problem:
        messages.warning(request, problem)
    context = {"org": org, "rng": rng, "presets": PRESETS, "active_nav": "analytics"}
    return org, rng, context


@login_required
def performance(request, org_id: int):
    org, rng, context = _page(request, org_id)
    group = "week" if request.GET.get("group") == "week" else "day"
    context.update(
        tab="performance",
        group=group,
        timeline=charts.timeline(selectors.timeline(org=org, rng=rng), rng.days, group),
        activity=selectors.activity(org=org),
        summary=selectors.summary(org=org, rng=rng),
    )
    return render(request, "analytics/performance.html", context)


@login_required
def monitoring(request, org_id: int):
    org, rng, context = _page(request, org_id)
    usage = selectors.api_usage(org=org, rng=rng)
    limits = [day.rest_limit for day in usage.values() if day.rest_limit]
    context.update(
        tab="monitoring",
        api_chart=charts.api_usage(usage, rng.days, org.api_quota_rest_percent),
        rest_limit=limits[-1] if limits else 0,
        api_total=sum(day.rest + day.bulk for day in usage.values()),
        duration_chart=charts.durations(selectors.durations(org=org, rng=rng)),
    )
    return render(request, "analytics/monitoring.html", context)


@login_required
def salesforce(request, org_id: int):
    org, rng, context = _page(request, org_id)
    measure = "records" if request.GET.get("measure") == "records" else "size"
    baseline, points = selectors.growth(org=org, rng=rng)
    size_chart, records_chart, state = charts.growth(baseline, points, rng.days)
    sunburst, treemap = charts.storage(state, measure)
    context.update(
        tab="salesforce",
        measure=measure,
        growth_size=size_chart,
        growth_records=records_chart,
        lifecycle=charts.lifecycle(selectors.lifecycle(org=org, rng=rng)),
        sunburst=sunburst,
        treemap=treemap,
    )
    return render(request, "analytics/salesforce.html", context)
