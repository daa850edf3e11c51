"""Relative date literals (TODAY, LAST_N_DAYS:7, ...) resolved to half-open date ranges.

Ranges follow Salesforce's documentation: weeks start on Sunday (the en_US locale),
fiscal periods equal calendar periods (the default fiscal year), ``LAST_N_DAYS:n`` and
``LAST_90_DAYS`` include today, ``NEXT_N_DAYS:n`` starts tomorrow. "Today" is ``now``
seen in ``tz``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

from .ast import DateLiteral

# Ranges are clamped to these days, so that midnight of a bound in any time zone is still a
# datetime Python can hold (LAST_N_YEARS:5000, NEXT_YEAR in 9999, a date of 0001-01-01).
FIRST_DAY = date(1, 1, 2)
LAST_DAY = date(9999, 12, 30)


def clamp(day: date) -> date:
    return min(max(day, FIRST_DAY), LAST_DAY)


def add_days(day: date, days: int) -> date:
    """``day`` plus ``days`` days, clamped to [FIRST_DAY, LAST_DAY] instead of overflowing."""
    ordinal = day.toordinal() + days
    ordinal = min(max(ordinal, FIRST_DAY.toordinal()), LAST_DAY.toordinal())
    return date.fromordinal(ordinal)


def _add_months(day: date, months: int) -> date:
    """First day of the month ``months`` after ``day``'s month (clamped)."""
    index = day.year * 12 + (day.month - 1) + months
    if index // 12 < 1:
        return FIRST_DAY
    if index // 12 > 9999:
        return LAST_DAY
    return clamp(date(index // 12, index % 12 + 1, 1))


def date_range(literal: DateLiteral, *, now: datetime, tz: tzinfo = UTC) -> tuple[date, date]:
    """The literal's days as ``(first_day, day_after_last)``."""
    try:
        today = clamp(now.astimezone(tz).date())
    except OverflowError:  # "now" within hours of year 1 or 9999
        today = clamp(now.date())
    name = literal.name.replace("_FISCAL", "")
    n = literal.n or 0
    week = add_days(today, -((today.weekday() + 1) % 7))  # the Sunday on or before today
    month = today.replace(day=1)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    year = date(today.year, 1, 1)

    plus = add_days
    fixed = {
        "YESTERDAY": (plus(today, -1), today),
        "TODAY": (today, plus(today, 1)),
        "TOMORROW": (plus(today, 1), plus(today, 2)),
        "LAST_WEEK": (plus(week, -7), week),
        "THIS_WEEK": (week, plus(week, 7)),
        "NEXT_WEEK": (plus(week, 7), plus(week, 14)),
        "LAST_MONTH": (_add_months(month, -1), month),
        "THIS_MONTH": (month, _add_months(month, 1)),
        "NEXT_MONTH": (_add_months(month, 1), _add_months(month, 2)),
        "LAST_90_DAYS": (plus(today, -90), plus(today, 1)),
        "NEXT_90_DAYS": (plus(today, 1), plus(today, 91)),
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
        "LAST_N_DAYS": (plus(today, -n), plus(today, 1)),
        "NEXT_N_DAYS": (plus(today, 1), plus(today, n + 1)),
        "N_DAYS_AGO": (plus(today, -n), plus(today, 1 - n)),
        "LAST_N_WEEKS": (plus(week, -7 * n), week),
        "NEXT_N_WEEKS": (plus(week, 7), plus(week, 7 * (n + 1))),
        "N_WEEKS_AGO": (plus(week, -7 * n), plus(week, -7 * (n - 1))),
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
