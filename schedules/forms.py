"""Schedule forms: the recurrence (`ScheduleForm`, also on the Create Backup form under
the "schedule" prefix), a schedule's own details (`ScheduleDetailsForm`) and its
operation's settings form (`settings_form_for`).

`ScheduleForm(data, mode=..., tz=..., initial=...)` modes:

- "user": every recurrence;
- "system_daily" (a system schedule that runs daily, e.g. Default Composite Backup):
  every day, only "Run at" changes;
- "system_sync" (a system schedule that runs monthly or weekly, e.g. Default Composite
  & Sync Backup).
"""

from datetime import time
from typing import cast

from django import forms
from django.utils import timezone

from jobs import registry
from schedules import recurrence
from schedules.models import Schedule
from schedules.recurrence import RecurrenceSpec
from schedules.registry import system_schedule_for

MODES = ("user", "system_daily", "system_sync")
WEEKDAY_CHOICES = list(enumerate(recurrence.WEEKDAY_NAMES))
MAX_INTERVAL = {recurrence.DAILY: 365, recurrence.WEEKLY: 4, recurrence.MONTHLY: 12}
UNITS = {recurrence.DAILY: "day(s)", recurrence.WEEKLY: "week(s)", recurrence.MONTHLY: "month(s)"}
SELECT_WEEKDAY = "Please, select weekday"


def mode_for(schedule: Schedule | None) -> str:
    if schedule is None or not schedule.is_system:
        return "user"
    system = system_schedule_for(schedule.operation)
    daily_only = system is not None and system.frequencies == (recurrence.DAILY,)
    return "system_daily" if daily_only else "system_sync"


def initial_for(schedule: Schedule) -> dict:
    return {
        "frequency": schedule.frequency,
        "interval": schedule.interval,
        "run_at": schedule.run_at,
        "start_date": schedule.start_date,
        "weekdays": schedule.weekdays,
        "monthly_mode": schedule.monthly_mode,
        "month_day": schedule.month_day,
        "month_week": schedule.month_week,
        "month_weekday": schedule.month_weekday,
    }


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(label="Recurrence", choices=Schedule.Frequency.choices)
    interval = forms.IntegerField(label="Repeat every", min_value=1, max_value=365)
    run_at = forms.TimeField(
        label="Run at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    start_date = forms.DateField(
        label="Starting", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="On",
        coerce=int,
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    monthly_mode = forms.ChoiceField(
        label="Occurs",
        choices=[("day", "On a day of the month"), ("weekday", "On a weekday of the month")],
        widget=forms.RadioSelect,
    )
    month_day = forms.IntegerField(label="Day", min_value=1, max_value=31)
    month_week = forms.ChoiceField(label="Occurs on", choices=Schedule.MonthWeek.choices)
    month_weekday = forms.TypedChoiceField(label="Weekday", coerce=int, choices=WEEKDAY_CHOICES)

    def __init__(self, *args, mode: str = "user", tz=None, **kwargs):
        self.mode = mode if mode in MODES else "user"
        today = timezone.now().astimezone(tz).date() if tz else timezone.localdate()
        self.today = today
        defaults = {
            "frequency": recurrence.DAILY,
            "interval": 1,
            "run_at": time(3, 0),
            "start_date": today,
            "weekdays": [today.weekday()],
            "monthly_mode": recurrence.BY_DAY,
            "month_day": today.day,
            "month_week": recurrence.FIRST,
            "month_weekday": today.weekday(),
        }
        if self.mode == "system_daily":
            defaults["frequency"] = recurrence.DAILY
        kwargs["initial"] = {**defaults, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        if self.mode == "system_daily":
            for name in ("frequency", "interval", "start_date"):
                self.fields[name].disabled = True
        if self.mode == "system_sync":
            cast(forms.ChoiceField, self.fields["frequency"]).choices = [
                (recurrence.MONTHLY, "Monthly"),
                (recurrence.WEEKLY, "Weekly"),
            ]

    def _value(self, name: str):
        if self.is_bound and not self.fields[name].disabled:
            return self.data.get(self.add_prefix(name)) or self.initial.get(name)
        return self.initial.get(name)

    @property
    def current_frequency(self) -> str:
        return self._value("frequency")

    @property
    def current_monthly_mode(self) -> str:
        return self._value("monthly_mode")

    @property
    def unit(self) -> str:
        return UNITS.get(self.current_frequency, "")

    def clean(self):
        data = super().clean()
        frequency, interval = data.get("frequency"), data.get("interval")
        if frequency and interval and interval > MAX_INTERVAL[frequency]:
            self.add_error(
                "interval", f"Repeat every 1 to {MAX_INTERVAL[frequency]} {UNITS[frequency]}."
            )
        if frequency == recurrence.WEEKLY and not data.get("weekdays"):
            self.add_error("weekdays", SELECT_WEEKDAY)
        start, horizon = data.get("start_date"), recurrence.start_horizon(self.today)
        if start and start > horizon and not self.fields["start_date"].disabled:
            self.add_error(
                "start_date",
                f"Pick a start date within {recurrence.HORIZON_YEARS} years: "
                f"{recurrence.format_day(horizon)} at the latest.",
            )
        return data

    def preview_spec(self) -> RecurrenceSpec | None:
        """The recurrence to describe: the typed one if valid, the initial one if unbound."""
        if self.is_bound:
            return self.spec() if self.is_valid() else None
        values = {name: self.initial[name] for name in self.fields}
        values["weekdays"] = tuple(sorted(int(day) for day in values["weekdays"]))
        return RecurrenceSpec(**values)

    def spec(self) -> RecurrenceSpec:
        data = self.cleaned_data
        return RecurrenceSpec(
            frequency=data["frequency"],
            interval=data["interval"],
            run_at=data["run_at"].replace(second=0, microsecond=0),
            start_date=data["start_date"],
            weekdays=tuple(sorted(data.get("weekdays") or [])),
            monthly_mode=data["monthly_mode"],
            month_day=data["month_day"],
            month_week=data["month_week"],
            month_weekday=data["month_weekday"],
        )


class ScheduleDetailsForm(forms.Form):
    """Name, description and on/off of a user schedule; a system schedule keeps them, so
    this form is then empty. The operation's own settings form (jobs/registry.py
    `settings_form`, e.g. backups.forms.BackupSettingsForm) edits the job settings."""

    name = forms.CharField(max_length=200, error_messages={"required": "Give the schedule a name."})
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    enabled = forms.BooleanField(
        required=False, label="Enabled", help_text="Off: the schedule is kept but does not run."
    )

    def __init__(self, *args, schedule: Schedule, **kwargs):
        kwargs["initial"] = {
            "name": schedule.name,
            "description": schedule.description,
            "enabled": schedule.enabled,
        }
        super().__init__(*args, **kwargs)
        if schedule.is_system:
            for name in ("name", "description", "enabled"):
                del self.fields[name]

    def update_kwargs(self) -> dict:
        if "name" not in self.fields:
            return {}
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "enabled": data["enabled"],
        }


def settings_form_for(schedule: Schedule, data=None):
    """The operation's settings form for this schedule, or None if it has none."""
    form_class = registry.get(schedule.operation).settings_form_class()
    if form_class is None:
        return None
    return form_class(
        data, operation=schedule.operation, settings=schedule.settings, system=schedule.is_system
    )
