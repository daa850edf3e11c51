"""The simulator's clock: real UTC time plus a persisted offset that tests move forward."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

UTC = dt.UTC


def sf_datetime(value: dt.datetime) -> str:
    """Canonical stored form (Salesforce's REST text): 2024-01-31T10:20:30.000+0000."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> dt.datetime:
    """Parse the datetime shapes Salesforce accepts (Z, +0000, +00:00, bare date)."""
    text = text.strip()
    if len(text) == 10:
        return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Clock:
    """now() = wall clock + offset; the offset lives in simulator.sqlite3 (table settings)."""

    def __init__(self, connect):
        self._connect = connect
        self._lock = threading.Lock()

    def _offset(self) -> float:
        row = (
            self._connect()
            .execute("SELECT value FROM settings WHERE key = 'clock_offset'")
            .fetchone()
        )
        return float(row[0]) if row else 0.0

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC) + dt.timedelta(seconds=self._offset())

    def advance(self, *, days: float = 0, hours: float = 0, seconds: float = 0) -> dt.datetime:
        """Move the clock forward (persisted, so it survives a restart) and return now()."""
        delta = days * 86400 + hours * 3600 + seconds
        with self._lock:
            conn = self._connect()
            with conn:
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES ('clock_offset', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS REAL) + ?",
                    (str(float(delta)), float(delta)),
                )
        return self.now()

    def reset(self) -> None:
        conn = self._connect()
        with conn:
            conn.execute("DELETE FROM settings WHERE key = 'clock_offset'")


__all__ = ["Clock", "sf_datetime", "parse_datetime", "sqlite3"]
