"""The time zones a tenant may choose: the IANA names zoneinfo knows on this server.

- `time_zone_names() -> tuple[str, ...]` — sorted, UTC first; "localtime" (the server's
  own zone, which differs from machine to machine) is left out.
- `time_zone_choices() -> list[tuple[str, str]]` — the same, for a select.
- `zone(name) -> ZoneInfo` — the zone of that name; UTC for an empty or unknown one.
"""

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT = "UTC"
_LEFT_OUT = {"localtime"}


@cache
def time_zone_names() -> tuple[str, ...]:
    names = sorted(available_timezones() - _LEFT_OUT - {DEFAULT})
    return (DEFAULT, *names)


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT)
