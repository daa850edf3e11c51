"""The date range of the Analytics pages: a preset or a custom start and end, at most
twelve months, in the tenant's time zone. Read from the query string (`range`, `start`,
`end`), so every chart link and toggle keeps it."""

from dataclasses import dataclass
from datetime import date, timedelta

PRESETS: dict[str, tuple[str, int]] = {
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "6m": ("Last 6 months", 183),
    "12m": ("Last 12 months", 366),
}
DEFAULT = "7d"
MAX_DAYS = 366


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date
    preset: str  # a PRESETS key, or "custom"

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(n) for n in range((self.end - self.start).days + 1)]

    @property
    def label(self) -> str:
        if self.preset in PRESETS:
            return PRESETS[self.preset][0]
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


def _preset(name: str, today: date) -> DateRange:
    days = PRESETS[name][1]
    return DateRange(start=today - timedelta(days - 1), end=today, preset=name)


def _parse(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def range_from_query(query, *, today: date) -> tuple[DateRange, str]:
    """(the range, a message saying what was wrong with the request, or "")."""
    preset = query.get("range", "")
    if preset != "custom":
        if preset and preset not in PRESETS:
            return _preset(
                DEFAULT, today
            ), f'There is no range "{preset}"; showing the last 7 days.'
        return _preset(preset or DEFAULT, today), ""
    start, end = _parse(query.get("start", "")), _parse(query.get("end", ""))
    if start is None or end is None:
        return _preset(DEFAULT, today), (
            "A custom range needs a start and an end date (YYYY-MM-DD); showing the last 7 days."
        )
    if start > end:
        return _preset(DEFAULT, today), (
            "The start date is after the end date; showing the last 7 days. "
            "Pick a start on or before the end."
        )
    if (end - start).days + 1 > MAX_DAYS:
        start = end - timedelta(MAX_DAYS - 1)
        return DateRange(start=start, end=end, preset="custom"), (
            f"A range covers at most 12 months; showing {start:%d %b %Y} to {end:%d %b %Y}."
        )
    return DateRange(start=start, end=end, preset="custom"), ""
