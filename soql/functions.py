"""The functions SOQL knows, by canonical spelling (names are case-insensitive in SOQL).

``AGGREGATES`` become ``ast.Aggregate`` (when applied to a field or, for COUNT, to
nothing); ``FIELDS`` becomes ``ast.FieldsMacro``; every other known function is an
``ast.FunctionCall``. An unknown name is a MALFORMED_QUERY at its position.
"""

from __future__ import annotations

AGGREGATES = ("COUNT", "COUNT_DISTINCT", "SUM", "MIN", "MAX", "AVG")
DATE_FUNCTIONS = (
    "CALENDAR_MONTH",
    "CALENDAR_QUARTER",
    "CALENDAR_YEAR",
    "DAY_IN_MONTH",
    "DAY_IN_WEEK",
    "DAY_IN_YEAR",
    "DAY_ONLY",
    "FISCAL_MONTH",
    "FISCAL_QUARTER",
    "FISCAL_YEAR",
    "HOUR_IN_DAY",
    "WEEK_IN_MONTH",
    "WEEK_IN_YEAR",
)
OTHER_FUNCTIONS = (
    "toLabel",
    "FORMAT",
    "convertCurrency",
    "convertTimezone",
    "GROUPING",
    "DISTANCE",
    "GEOLOCATION",
)
# name -> (fewest, most) arguments
ARITY = {
    **{name: (1, 1) for name in AGGREGATES},
    "COUNT": (0, 1),
    **{name: (1, 1) for name in DATE_FUNCTIONS},
    "toLabel": (1, 1),
    "FORMAT": (1, 1),
    "convertCurrency": (1, 1),
    "convertTimezone": (1, 1),
    "GROUPING": (1, 1),
    "DISTANCE": (3, 3),
    "GEOLOCATION": (2, 2),
}
CANONICAL = {name.upper(): name for name in (*AGGREGATES, *DATE_FUNCTIONS, *OTHER_FUNCTIONS)}
DISTANCE_UNITS = ("mi", "km")


def canonical(name: str) -> str | None:
    """The function's canonical spelling, or None when SOQL has no such function."""
    return CANONICAL.get(name.upper())


# ---------------------------------------------------------------- evaluation
EARTH_RADIUS = {"mi": 3958.7613, "km": 6371.0088}


def _as_datetime(value, tz):
    """A date/datetime from a record value (ISO text accepted), seen in ``tz``."""
    from datetime import UTC, date, datetime

    if isinstance(value, str):
        try:
            value = (
                date.fromisoformat(value)
                if len(value) == 10
                else datetime.fromisoformat(value.replace("Z", "+00:00"))
            )
        except ValueError:
            return None
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        try:
            return value.astimezone(tz)
        except OverflowError:
            return value
    if isinstance(value, date):
        return value
    return None


def _location(arg):
    """(latitude, longitude) of a location argument: GEOLOCATION(...)'s pair or a compound
    value (``{"latitude", "longitude"}``); None when it has no position."""
    if isinstance(arg, tuple):
        return arg
    value = arg
    if isinstance(value, dict):
        lat, lon = value.get("latitude"), value.get("longitude")
        return (lat, lon) if lat is not None and lon is not None else None
    return None


def evaluate(call, getter, tz=None):
    """The value of ``call`` (an ast.FunctionCall) for one record read through ``getter``
    (``getter(path)`` as in soql.evaluate). Date functions follow Salesforce: weeks start on
    Sunday for DAY_IN_WEEK (1 = Sunday), the fiscal year is the calendar year, values are in
    UTC unless wrapped in convertTimezone() (then in ``tz``). toLabel() and FORMAT() give
    the value itself (labels equal API values in the simulator). None when it cannot tell.
    """
    import math
    from datetime import UTC, datetime

    from . import ast

    tz = tz or UTC

    def arg_value(arg):
        if isinstance(arg, ast.FieldRef):
            value = getter(arg.path)
            if value is None and arg.path[-1].endswith("__c"):
                base = arg.path[-1][:-3]
                lat = getter((*arg.path[:-1], f"{base}__Latitude__s"))
                lon = getter((*arg.path[:-1], f"{base}__Longitude__s"))
                if lat is not None and lon is not None:
                    return {"latitude": lat, "longitude": lon}
            if value is None and arg.path[-1].endswith("Address"):
                base = arg.path[-1][: -len("Address")]
                lat = getter((*arg.path[:-1], f"{base}Latitude"))
                lon = getter((*arg.path[:-1], f"{base}Longitude"))
                if lat is not None and lon is not None:
                    return {"latitude": lat, "longitude": lon}
            return value
        if isinstance(arg, ast.FunctionCall):
            return evaluate(arg, getter, tz)
        if isinstance(arg, ast.Aggregate):
            return getter((arg.func + "(" + ".".join(arg.field.path) + ")",)) if arg.field else None
        return arg

    func = call.func
    if func in ("toLabel", "FORMAT", "GROUPING"):
        return arg_value(call.args[0])
    if func == "convertTimezone":
        return _as_datetime(arg_value(call.args[0]), tz)
    if func == "GEOLOCATION":
        lat, lon = (arg_value(a) for a in call.args)
        return (float(lat), float(lon)) if lat is not None and lon is not None else None
    if func == "DISTANCE":
        first = arg_value(call.args[0])
        second = arg_value(call.args[1])
        a, b = _location(first), _location(second)
        if a is None or b is None:
            return None
        lat1, lon1, lat2, lon2 = (math.radians(float(x)) for x in (*a, *b))
        h = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * EARTH_RADIUS[call.args[2]] * math.asin(min(1.0, math.sqrt(h)))
    if func in DATE_FUNCTIONS:
        inner = call.args[0]
        converted = isinstance(inner, ast.FunctionCall) and inner.func == "convertTimezone"
        value = _as_datetime(arg_value(inner), tz if converted else UTC)
        if value is None:
            return None
        day = value.date() if isinstance(value, datetime) else value
        if func == "DAY_ONLY":
            return day
        if func == "HOUR_IN_DAY":
            return value.hour if isinstance(value, datetime) else 0
        if func in ("CALENDAR_MONTH", "FISCAL_MONTH"):
            return day.month
        if func in ("CALENDAR_QUARTER", "FISCAL_QUARTER"):
            return (day.month - 1) // 3 + 1
        if func in ("CALENDAR_YEAR", "FISCAL_YEAR"):
            return day.year
        if func == "DAY_IN_MONTH":
            return day.day
        if func == "DAY_IN_WEEK":
            return (day.weekday() + 1) % 7 + 1
        if func == "DAY_IN_YEAR":
            return day.timetuple().tm_yday
        if func == "WEEK_IN_MONTH":
            return (day.day - 1) // 7 + 1
        if func == "WEEK_IN_YEAR":
            return (day.timetuple().tm_yday - 1) // 7 + 1
    return None


def field_refs(node) -> list:
    """Every FieldRef a function call (or aggregate) reads, nested calls included."""
    from . import ast

    if isinstance(node, ast.FieldRef):
        return [node]
    if isinstance(node, ast.Aggregate):
        return [node.field] if node.field is not None else []
    if isinstance(node, ast.FunctionCall):
        out = []
        for arg in node.args:
            out.extend(field_refs(arg))
        return out
    return []
