"""Relative date literals (TODAY, LAST_N_DAYS:7, ...) resolved to half-open date ranges.

Ranges follow Salesforce's documentation: weeks start on Sunday (the en_US locale),
fiscal periods equal calendar periods (the default fiscal year), ``LAST_N_DAYS:n`` and
``LAST_90_DAYS`` include today, ``NEXT_N_DAYS:n`` starts tomorrow. "Today" is ``now``
seen in ``tz``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .ast import DateLiteral


def _add_months(day: date, months: int) -> date:
    """First day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def date_range(literal: DateLiteral, *, now: datetime, tz: tzinfo = UTC) -> tuple[date, date]:
    """The literal's days as ``(first_day, day_after_last)``."""
    today = now.astimezone(tz).date()
    name = literal.name.replace("_FISCAL", "")
    n = literal.n or 0
    week = today - timedelta(days=(today.weekday() + 1) % 7)  # the Sunday on or before today
    month = today.replace(day=1)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    year = date(today.year, 1, 1)
    day = timedelta(days=1)
    fixed = {
        "YESTERDAY": (today - day, today),
        "TODAY": (today, today + day),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_WEEK": (week - 7 * day, week),
        "THIS_WEEK": (week, week + 7 * day),
        "NEXT_WEEK": (week + 7 * day, week + 14 * day),
        "LAST_MONTH": (_add_months(month, -1), month),
        "THIS_MONTH": (month, _add_months(month, 1)),
        "NEXT_MONTH": (_add_months(month, 1), _add_months(month, 2)),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
        "LAST_QUARTER": (_add_months(quarter, -3), quarter),
        "THIS_QUARTER": (quarter, _add_months(quarter, 3)),
        "NEXT_QUARTER": (_add_months(quarter, 3), _add_months(quarter, 6)),
        "LAST_YEAR": (_add_months(year, -12), year),
        "THIS_YEAR": (year, _add_months(year, 12)),
        "NEXT_YEAR": (_add_months(year, 12), _add_months(year, 24)),
    }
    if name in fixed:
        return fixed[name]
    with_n = {
        "LAST_N_DAYS": (today - n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": (today - n * day, today - (n - 1) * day),
        "LAST_N_WEEKS": (week - 7 * n * day, week),
        "NEXT_N_WEEKS": (week + 7 * day, week + 7 * (n + 1) * day),
        "N_WEEKS_AGO": (week - 7 * n * day, week - 7 * (n - 1) * day),
        "LAST_N_MONTHS": (_add_months(month, -n), month),
        "NEXT_N_MONTHS": (_add_months(month, 1), _add_months(month, n + 1)),
        "N_MONTHS_AGO": (_add_months(month, -n), _add_months(month, 1 - n)),
        "LAST_N_QUARTERS": (_add_months(quarter, -3 * n), quarter),
        "NEXT_N_QUARTERS": (_add_months(quarter, 3), _add_months(quarter, 3 * (n + 1))),
        "N_QUARTERS_AGO": (_add_months(quarter, -3 * n), _add_months(quarter, 3 - 3 * n)),
        "LAST_N_YEARS": (_add_months(year, -12 * n), year),
        "NEXT_N_YEARS": (_add_months(year, 12), _add_months(year, 12 * (n + 1))),
        "N_YEARS_AGO": (_add_months(year, -12 * n), _add_months(year, 12 - 12 * n)),
    }
    if name in with_n:
        return with_n[name]
    raise ValueError(f"unknown date literal {literal.name}")


def datetime_range(
    literal: DateLiteral, *, now: datetime, tz: tzinfo = UTC
) -> tuple[datetime, datetime]:
    """The literal as aware datetimes: midnight in ``tz`` of the first day and the day after."""
    start, end = date_range(literal, now=now, tz=tz)
    return datetime.combine(start, time(0), tz), datetime.combine(end, time(0), tz)
