"""When a schedule runs: pure functions over a `RecurrenceSpec`, no database.

- `next_run_after(spec, after, tz) -> datetime | None` — the first run strictly after
  `after` (an aware datetime), as an aware UTC datetime; None when the schedule has no
  run left before the end of the calendar (31 Dec 9999, in UTC as well as locally).
- `first_run(spec, now, tz) -> datetime | None` — the first run at or after `now`.
- `describe(spec, first_run, tz) -> str` — "This backup is planned to run every 1 day(s)
  at 3:00 AM starting Thursday, 10 Jul 2025 PDT" (or that it has no run left).
- `start_horizon(today) -> date` — the latest start date a schedule may be given
  (HORIZON_YEARS from today), far from the end of the calendar in any zone.
- `zone(name) -> ZoneInfo` — a tenant's time zone (UTC when the name is unknown).

Recurrences are counted from `spec.start_date` (a date in the tenant's time zone), so
"every 2 days" or "every 2 weeks" keeps the same rhythm whenever it is asked:

- daily: on start_date + k * interval days;
- weekly: on the chosen weekdays of every `interval`-th week, weeks running Monday to
  Sunday from the week holding start_date (days before start_date are skipped);
- monthly: in every `interval`-th month from start_date's month, on day `month_day`
  (a day past the month's end means its last day: day 31 runs on 30 April), or on the
  first / last chosen weekday of that month.

Daylight-saving changes, in the tenant's time zone:

- A run time that does not exist that day (02:30 on a spring-forward night in
  America/Los_Angeles) runs as many minutes later as the clock jumped: 03:30.
- A run time that happens twice (01:30 on a fall-back night) runs once, at its first
  occurrence (before the clocks go back).
"""

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
BY_DAY, BY_WEEKDAY = "day", "weekday"
FIRST, LAST = "first", "last"
WEEKDAY_NAMES = list(calendar.day_name)  # Monday first, as date.weekday()

# How far ahead a search may look: the longest gap between runs is 12 months.
_SEARCH_DAYS = 31 * 13 + 7
# A start date is at most this many years ahead (schedules/forms.py).
HORIZON_YEARS = 10


def start_horizon(today: date) -> date:
    """HORIZON_YEARS after `today` (29 February gives 28 February)."""
    year = today.year + HORIZON_YEARS
    return today.replace(year=year, day=min(today.day, calendar.monthrange(year, today.month)[1]))


@dataclass(frozen=True)
class RecurrenceSpec:
    frequency: str = DAILY
    interval: int = 1
    run_at: time = time(1, 0)
    start_date: date = date(2025, 1, 1)
    weekdays: tuple[int, ...] = field(default_factory=tuple)
    monthly_mode: str = BY_DAY
    month_day: int = 1
    month_week: str = FIRST
    month_weekday: int = 0

    def __post_init__(self):
        if self.frequency not in (DAILY, WEEKLY, MONTHLY):
            raise ValueError(f"Unknown recurrence {self.frequency!r}.")
        if self.interval < 1:
            raise ValueError("A schedule repeats every 1 or more days, weeks or months.")
        if self.frequency == WEEKLY and not self.weekdays:
            raise ValueError("A weekly schedule needs at least one weekday.")


def _months_between(start: date, day: date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


def _monthly_date(spec: RecurrenceSpec, year: int, month: int) -> date:
    days_in_month = calendar.monthrange(year, month)[1]
    if spec.monthly_mode == BY_DAY:
        return date(year, month, min(spec.month_day, days_in_month))
    if spec.month_week == FIRST:
        first = date(year, month, 1)
        return first + timedelta(days=(spec.month_weekday - first.weekday()) % 7)
    last = date(year, month, days_in_month)
    return last - timedelta(days=(last.weekday() - spec.month_weekday) % 7)


def runs_on(spec: RecurrenceSpec, day: date) -> bool:
    """True if the schedule has a run on this local date."""
    if day < spec.start_date:
        return False
    if spec.frequency == DAILY:
        return (day - spec.start_date).days % spec.interval == 0
    if spec.frequency == WEEKLY:
        start_monday = spec.start_date - timedelta(days=spec.start_date.weekday())
        weeks = (day - start_monday).days // 7
        return day.weekday() in spec.weekdays and weeks % spec.interval == 0
    if _months_between(spec.start_date, day) % spec.interval:
        return False
    return day == _monthly_date(spec, day.year, day.month)


def local_run(day: date, run_at: time, tz: ZoneInfo) -> datetime:
    """The run on a local date as aware UTC. zoneinfo reads a wall time that does not
    exist with the offset in force before the jump (02:30 PST = 03:30 PDT), and an
    ambiguous one as its first occurrence (fold=0)."""
    return datetime.combine(day, run_at, tzinfo=tz).astimezone(UTC)


def next_run_after(spec: RecurrenceSpec, after: datetime, tz: ZoneInfo) -> datetime | None:
    """The first run strictly after `after` (aware), as an aware UTC datetime; None when
    there is none before the end of the calendar (a run on 31 Dec 9999 west of Greenwich
    can be in year 10000 in UTC, which no datetime holds)."""
    if after.tzinfo is None:
        raise ValueError("next_run_after needs an aware datetime.")
    try:
        local_day = after.astimezone(tz).date()
    except OverflowError:
        return None  # `after` is already past 31 Dec 9999 in the zone
    day = max(spec.start_date, local_day - timedelta(days=1 if local_day > date.min else 0))
    for _ in range(_SEARCH_DAYS):
        if runs_on(spec, day):
            try:
                run = local_run(day, spec.run_at, tz)
            except OverflowError:
                return None  # this run and every later one are past the end in UTC
            if run > after:
                return run
        if day == date.max:
            return None
        day += timedelta(days=1)
    raise ValueError("This schedule never runs; check its days.")  # unreachable for valid specs


def first_run(spec: RecurrenceSpec, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The first run at or after `now`: what a newly saved schedule will do first."""
    return next_run_after(spec, now - timedelta(microseconds=1), tz)


# --- the sentence --------------------------------------------------------------------


def format_time(value: time) -> str:
    """3:00 AM, 12:30 PM."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def format_day(value: date) -> str:
    """Thursday, 10 Jul 2025."""
    return f"{WEEKDAY_NAMES[value.weekday()]}, {value.day} {value:%b %Y}"


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def summary(spec: RecurrenceSpec) -> str:
    """'every 2 week(s) on Monday and Thursday at 3:00 AM' (no start)."""
    at = f"at {format_time(spec.run_at)}"
    if spec.frequency == DAILY:
        return f"every {spec.interval} day(s) {at}"
    if spec.frequency == WEEKLY:
        days = _join([WEEKDAY_NAMES[d] for d in sorted(spec.weekdays)])
        return f"every {spec.interval} week(s) on {days} {at}"
    if spec.monthly_mode == BY_DAY:
        on = f"on the {_ordinal(spec.month_day)}"
        if spec.month_day > 28:
            on += " (or the month's last day)"
    else:
        on = f"on the {spec.month_week} {WEEKDAY_NAMES[spec.month_weekday]}"
    return f"every {spec.interval} month(s) {on} {at}"


def describe(spec: RecurrenceSpec, first: datetime | None, tz: ZoneInfo) -> str:
    if first is None:
        return (
            f"This backup was planned to run {summary(spec)} from "
            f"{format_day(spec.start_date)}, but it has no run left before the end of the "
            "calendar: give it an earlier start date."
        )
    local = first.astimezone(tz)
    return (
        f"This backup is planned to run {summary(spec)} "
        f"starting {format_day(local.date())} {local.tzname()}"
    )
