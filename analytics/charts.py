"""Plotly figures of the Analytics pages, rendered on the server into HTML fragments.

Figures are plain dicts serialised by plotly's JSON encoder into a data block next to
their div (no inline script: the Content-Security-Policy allows scripts from our own
files only). static/js/charts.js draws each with static/vendor/plotly.min.js (no CDN);
the div is a `div.js-plotly-plot` once plotly.js has drawn it.
"""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import plotly.io as pio
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from jobs import registry

CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": True}
FAMILIES = ["backup", "restore", "archive", "search", "purge", "export"]
MIB = 1024 * 1024
TOP_OBJECTS = 10  # objects drawn on their own in growth charts; the rest are "Other"


def render(fig: dict, div_id: str, height: int = 360) -> str:
    fig.setdefault("layout", {}).update(
        height=height,
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        paper_bgcolor="#fff",
        plot_bgcolor="#fff",
        font={"color": "#1f2937"},
    )
    figure = pio.to_json({**fig, "config": CONFIG}, validate=False, engine="json")
    # As Django's json_script does: no "<", ">" or "&" can end the block early.
    figure = figure.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return format_html(
        '<div id="{}" class="plotly-graph-div" style="height:{}px; width:100%;"></div>'
        '<script type="application/json" id="{}-figure" data-plotly-figure="{}">{}</script>',
        div_id,
        height,
        div_id,
        div_id,
        mark_safe(figure),  # noqa: S308 (JSON with <, > and & escaped above)
    )


def family(operation: str) -> str:
    """The kind of operation the Timeline draws: backup, restore, archive, ..."""
    for name in FAMILIES:
        if name in operation:
            return name
    return operation


def family_label(name: str) -> str:
    return name.capitalize() if name in FAMILIES else registry.label(name)


def week_start(day: date) -> date:
    return day - timedelta(day.weekday())


def buckets(days: list[date], group: str) -> list[date]:
    if group == "week":
        return sorted({week_start(day) for day in days})
    return days


def timeline(counts: dict[tuple[date, str], int], days: list[date], group: str) -> str:
    xs = buckets(days, group)
    series: dict[str, dict[date, int]] = {name: defaultdict(int) for name in FAMILIES}
    for (day, operation), n in counts.items():
        key = week_start(day) if group == "week" else day
        series.setdefault(family(operation), defaultdict(int))[key] += n
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": family_label(name),
            "x": [x.isoformat() for x in xs],
            "y": [per_day.get(x, 0) for x in xs],
            "hovertemplate": "%{y} " + family_label(name).lower() + " job(s)<extra>%{x}</extra>",
        }
        for name, per_day in series.items()
    ]
    layout = {
        "barmode": "stack",
        "xaxis": {"title": {"text": "Week of" if group == "week" else "Day"}, "type": "date"},
        "yaxis": {"title": {"text": "Operations"}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return render({"data": traces, "layout": layout}, "chart-timeline")


def api_usage(usage: dict, days: list[date], quota_percent: int) -> str:
    xs = [day.isoformat() for day in days]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": "REST calls",
            "x": xs,
            "y": [usage[day].rest if day in usage else 0 for day in days],
        },
        {
            "type": "bar",
            "name": "Bulk API calls",
            "x": xs,
            "y": [usage[day].bulk if day in usage else 0 for day in days],
        },
    ]
    limits = [usage[day].rest_limit if day in usage else 0 for day in days]
    if any(limits):
        known = [limit or None for limit in limits]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "connectgaps": True,
                "name": "Daily REST limit",
                "x": xs,
                "y": known,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "connectgaps": True,
                "line": {"dash": "dash"},
                "name": f"Quota ({quota_percent}% of the limit)",
                "x": xs,
                "y": [limit * quota_percent // 100 if limit else None for limit in limits],
            }
        )
    layout = {
        "barmode": "stack",
        "xaxis": {"title": {"text": "Day"}, "type": "date"},
        "yaxis": {"title": {"text": "API calls"}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return render({"data": traces, "layout": layout}, "chart-api-usage")


def durations(rows: list[tuple[date, str, float, int]]) -> str:
    per_family: dict[str, list[tuple[date, float, int]]] = defaultdict(list)
    for day, operation, seconds, job_id in rows:
        per_family[family(operation)].append((day, seconds, job_id))
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": family_label(name),
            "x": [day.isoformat() for day, _, _ in points],
            "y": [round(seconds / 60, 2) for _, seconds, _ in points],
            "customdata": [job_id for _, _, job_id in points],
            "hovertemplate": "Job %{customdata}: %{y} min<extra>%{x}</extra>",
        }
        for name, points in per_family.items()
    ] or [{"type": "scatter", "mode": "lines", "name": "No jobs", "x": [], "y": []}]
    layout = {
        "xaxis": {"title": {"text": "Day"}, "type": "date"},
        "yaxis": {"title": {"text": "Duration (minutes)"}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return render({"data": traces, "layout": layout}, "chart-durations")


def _daily_state(baseline: dict, points: list, days: list[date]):
    """{object: [(records, stored bytes) at the end of each day]} and the last state."""
    state = {name: (point.records, point.stored_bytes) for name, point in baseline.items()}
    by_day: dict[date, list] = defaultdict(list)
    for day, name, records, stored in points:
        by_day[day].append((name, records, stored))
    series: dict[str, list[tuple[int, int]]] = {}
    for index, day in enumerate(days):
        for name, records, stored in by_day.get(day, ()):
            state[name] = (records, stored)
        for name, value in state.items():
            series.setdefault(name, [(0, 0)] * index).append(value)
    return series, state


def growth(baseline: dict, points: list, days: list[date]) -> tuple[str, str, dict]:
    """(stored size chart, record count chart, each object's (records, bytes) at the end)."""
    series, state = _daily_state(baseline, points, days)
    xs = [day.isoformat() for day in days]
    ranked = sorted(series, key=lambda name: -state[name][1])
    shown, rest = ranked[:TOP_OBJECTS], ranked[TOP_OBJECTS:]
    if rest:
        other = [
            (sum(series[n][i][0] for n in rest), sum(series[n][i][1] for n in rest))
            for i in range(len(days))
        ]
    charts = []
    for measure, index, title, scale in (
        ("size", 1, "Stored size (MiB)", MIB),
        ("records", 0, "Records", 1),
    ):
        traces = []
        for name in shown + (["Other objects"] if rest else []):
            values = other if name == "Other objects" else series[name]
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "stackgroup": "one",
                    "name": name,
                    "x": xs,
                    "y": [round(v[index] / scale, 3) if scale != 1 else v[index] for v in values],
                    "hovertemplate": f"{name}: %{{y}}<extra></extra>",
                }
            )
        if not traces:
            traces = [
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": "No objects",
                    "x": xs,
                    "y": [0] * len(xs),
                }
            ]
        layout = {
            "hovermode": "x unified",
            "xaxis": {"title": {"text": "Day"}, "type": "date"},
            "yaxis": {"title": {"text": title}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.25},
        }
        charts.append(render({"data": traces, "layout": layout}, f"chart-growth-{measure}"))
    return charts[0], charts[1], state


def lifecycle(rows: list[tuple[str, int, int, int]]) -> str:
    objects = [name for name, *_ in rows]
    stages = ["Created", "Updated", "Deleted", "Archived", "Purged"]
    labels = objects + stages
    source, target, value = [], [], []
    for index, (_, added, changed, deleted) in enumerate(rows):
        for stage, count in ((0, added), (1, changed), (2, deleted)):
            if count:
                source.append(index)
                target.append(len(objects) + stage)
                value.append(count)
    trace = {
        "type": "sankey",
        "arrangement": "snap",
        "node": {"label": labels, "pad": 12, "thickness": 14},
        "link": {"source": source, "target": target, "value": value},
    }
    return render({"data": [trace], "layout": {}}, "chart-lifecycle", height=420 + 8 * len(objects))


def _category(name: str) -> str:
    if name.endswith("__c"):
        return "Custom objects"
    if "__" in name:
        return "Other objects"
    return "Standard objects"


def storage(state: dict[str, tuple[int, int]], measure: str) -> tuple[str, str]:
    """(sunburst, treemap) of the org's objects by size (MiB) or records."""
    index = 0 if measure == "records" else 1
    root = "All objects"
    values = {name: state[name][index] for name in state if state[name][index] > 0}
    categories: dict[str, int] = defaultdict(int)
    for name, amount in values.items():
        categories[_category(name)] += amount
    ids = (
        [root]
        + [f"{root}/{c}" for c in categories]
        + [f"{root}/{_category(n)}/{n}" for n in values]
    )
    labels = [root] + list(categories) + list(values)
    parents = [""] + [root] * len(categories) + [f"{root}/{_category(n)}" for n in values]
    amounts = [sum(values.values())] + list(categories.values()) + list(values.values())
    if measure == "records":
        hover = "%{label}: %{value:,} records<extra></extra>"
    else:
        hover = "%{label}: %{customdata} MiB<extra></extra>"
    custom = [round(v / MIB, 3) for v in amounts]
    charts = []
    for kind in ("sunburst", "treemap"):
        trace = {
            "type": kind,
            "ids": ids,
            "labels": labels,
            "parents": parents,
            "values": amounts,
            "customdata": custom,
            "branchvalues": "total",
            "hovertemplate": hover,
        }
        charts.append(render({"data": [trace], "layout": {}}, f"chart-{kind}", height=420))
    return charts[0], charts[1]
