"""Recurrence with a controlled clock: every `after` is passed in, nothing sleeps."""

from datetime import UTC, date, datetime, time

import pytest

from schedules.recurrence import (
    BY_WEEKDAY,
    LAST,
    MONTHLY,
    WEEKLY,
    RecurrenceSpec,
    describe,
    first_run,
    next_run_after,
)
from tenants.time_zones import zone

LA = zone("America/Los_Angeles")
UTC_ZONE = zone("UTC")


def runs(spec, start: datetime, count: int, tz=UTC_ZONE) -> list[datetime]:
    """The next `count` runs after `start`, each asked after the previous one."""
    out, after = [], start
    for _ in range(count):
        after = next_run_after(spec, after, tz)
        out.append(after)
    return out


def local(values, tz):
    return [v.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z") for v in values]


def test_daily_every_two_days_keeps_its_rhythm_from_the_start_date():
    spec = RecurrenceSpec(interval=2, run_at=time(3, 0), start_date=date(2025, 7, 10))
    got = runs(spec, datetime(2025, 7, 1, tzinfo=UTC), 4)
    assert [r.date() for r in got] == [
        date(2025, 7, 10),
        date(2025, 7, 12),
        date(2025, 7, 14),
        date(2025, 7, 16),
    ]
    assert all(r.time() == time(3, 0) and r.tzinfo == UTC for r in got)
    # Asked in the middle of the rhythm (11 Jul, after 3:00), the answer stays on it.
    assert next_run_after(spec, datetime(2025, 7, 11, 12, tzinfo=UTC), UTC_ZONE) == datetime(
        2025, 7, 12, 3, tzinfo=UTC
    )
    # Exactly at a run time, the next one is the following slot (strictly after).
    assert next_run_after(spec, datetime(2025, 7, 12, 3, tzinfo=UTC), UTC_ZONE) == datetime(
        2025, 7, 14, 3, tzinfo=UTC
    )


def test_weekly_on_monday_and_thursday_every_two_weeks():
    # 2025-07-09 is a Wednesday: its week (7-13 Jul) runs on Thu 10; then 21, 24, Aug 4, 7.
    spec = RecurrenceSpec(
        frequency=WEEKLY,
        interval=2,
        weekdays=(0, 3),
        run_at=time(22, 15),
        start_date=date(2025, 7, 9),
    )
    got = runs(spec, datetime(2025, 7, 9, tzinfo=UTC), 5)
    assert [r.date() for r in got] == [
        date(2025, 7, 10),
        date(2025, 7, 21),
        date(2025, 7, 24),
        date(2025, 8, 4),
        date(2025, 8, 7),
    ]
    assert {r.strftime("%a") for r in got} == {"Mon", "Thu"}


def test_weekly_needs_a_weekday():
    with pytest.raises(ValueError, match="weekday"):
        RecurrenceSpec(frequency=WEEKLY, weekdays=())


def test_monthly_day_31_runs_on_the_last_day_of_shorter_months():
    spec = RecurrenceSpec(
        frequency=MONTHLY, month_day=31, run_at=time(1, 0), start_date=date(2025, 1, 1)
    )
    got = runs(spec, datetime(2025, 3, 1, tzinfo=UTC), 4)
    assert [r.date() for r in got] == [
        date(2025, 3, 31),
        date(2025, 4, 30),  # April has 30 days
        date(2025, 5, 31),
        date(2025, 6, 30),
    ]
    february = next_run_after(spec, datetime(2024, 2, 1, tzinfo=UTC), UTC_ZONE)
    assert february.date() == date(2025, 1, 31)  # nothing before the start date


def test_monthly_every_three_months_counts_from_the_start_month():
    spec = RecurrenceSpec(frequency=MONTHLY, interval=3, month_day=15, start_date=date(2025, 2, 1))
    got = runs(spec, datetime(2025, 1, 1, tzinfo=UTC), 3)
    assert [r.date() for r in got] == [date(2025, 2, 15), date(2025, 5, 15), date(2025, 8, 15)]


def test_monthly_last_friday():
    spec = RecurrenceSpec(
        frequency=MONTHLY,
        monthly_mode=BY_WEEKDAY,
        month_week=LAST,
        month_weekday=4,
        run_at=time(18, 0),
        start_date=date(2025, 1, 1),
    )
    got = runs(spec, datetime(2025, 1, 1, tzinfo=UTC), 4)
    assert [r.date() for r in got] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 28),
        date(2025, 4, 25),
    ]


def test_monthly_first_monday():
    spec = RecurrenceSpec(
        frequency=MONTHLY,
        monthly_mode=BY_WEEKDAY,
        month_weekday=0,
        run_at=time(6, 0),
        start_date=date(2025, 8, 20),
    )
    got = runs(spec, datetime(2025, 8, 1, tzinfo=UTC), 3)
    # 4 Aug 2025 is before the start date; then the first Mondays of Sep, Oct, Nov.
    assert [r.date() for r in got] == [date(2025, 9, 1), date(2025, 10, 6), date(2025, 11, 3)]


def test_spring_forward_runs_a_missing_time_an_hour_later():
    # 9 Mar 2025, Los Angeles: 02:00 PST jumps to 03:00 PDT; 02:30 does not exist.
    spec = RecurrenceSpec(run_at=time(2, 30), start_date=date(2025, 3, 1))
    got = runs(spec, datetime(2025, 3, 8, 0, tzinfo=UTC), 3, LA)
    assert local(got, LA) == [
        "Sat 2025-03-08 02:30 PST",
        "Sun 2025-03-09 03:30 PDT",
        "Mon 2025-03-10 02:30 PDT",
    ]
    # Every run is a different instant, one day apart except across the jump.
    assert [(b - a).total_seconds() / 3600 for a, b in zip(got, got[1:], strict=False)] == [
        24,
        23,
    ]


def test_fall_back_runs_a_repeated_time_once():
    # 2 Nov 2025, Los Angeles: 01:00-02:00 happens twice (PDT, then PST).
    spec = RecurrenceSpec(run_at=time(1, 30), start_date=date(2025, 10, 1))
    got = runs(spec, datetime(2025, 11, 1, 12, tzinfo=UTC), 3, LA)
    assert local(got, LA) == [
        "Sun 2025-11-02 01:30 PDT",
        "Mon 2025-11-03 01:30 PST",
        "Tue 2025-11-04 01:30 PST",
    ]
    # Asked between the two 01:30s of that night, the answer is the next day.
    between = datetime(2025, 11, 2, 9, 0, tzinfo=UTC)  # 01:00 PST, after 01:30 PDT
    assert local([next_run_after(spec, between, LA)], LA) == ["Mon 2025-11-03 01:30 PST"]


def test_the_sentence_names_rhythm_time_first_day_and_zone():
    spec = RecurrenceSpec(run_at=time(3, 0), start_date=date(2025, 7, 10))
    first = first_run(spec, datetime(2025, 7, 10, 0, tzinfo=UTC), LA)
    assert describe(spec, first, LA) == (
        "This backup is planned to run every 1 day(s) at 3:00 AM starting Thursday, 10 Jul 2025 PDT"
    )
    weekly = RecurrenceSpec(
        frequency=WEEKLY,
        interval=2,
        weekdays=(3, 0),
        run_at=time(15, 5),
        start_date=date(2025, 12, 1),
    )
    first = first_run(weekly, datetime(2025, 12, 1, 0, tzinfo=UTC), LA)
    assert describe(weekly, first, LA) == (
        "This backup is planned to run every 2 week(s) on Monday and Thursday at 3:05 PM "
        "starting Monday, 1 Dec 2025 PST"
    )
    last_friday = RecurrenceSpec(
        frequency=MONTHLY,
        monthly_mode=BY_WEEKDAY,
        month_week=LAST,
        month_weekday=4,
        run_at=time(0, 0),
        start_date=date(2025, 8, 1),
    )
    first = first_run(last_friday, datetime(2025, 8, 1, 12, tzinfo=UTC), LA)
    assert describe(last_friday, first, LA) == (
        "This backup is planned to run every 1 month(s) on the last Friday at 12:00 AM "
        "starting Friday, 29 Aug 2025 PDT"
    )


def test_an_unknown_time_zone_falls_back_to_utc():
    assert zone("Mars/Olympus_Mons") == UTC_ZONE
