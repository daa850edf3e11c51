"""Query locators: ``nextRecordsUrl`` = ``/services/data/vXX.X/query/<locator>-<offset>``.

Each locator maps to an in-memory ``QueryCursor`` of one org. The page last served is
kept, so a client that lost an answer (a cut connection) can ask for the same
``<locator>-<offset>`` again. Like Salesforce, a locator expires after 15 minutes
without use.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from sfsim.errors import SalesforceError
from sfsim.ids import BASE62, checksum

IDLE_SECONDS = 15 * 60


def invalid_locator() -> SalesforceError:
    return SalesforceError("INVALID_QUERY_LOCATOR", "invalid query locator", status=400)


def new_locator() -> str:
    id15 = "01g" + "".join(secrets.choice(BASE62) for _ in range(12))
    return id15 + checksum(id15)


def split_locator(text: str) -> tuple[str, int]:
    """``01g5g00000000Ab-2000`` -> (locator, 2000)."""
    locator, sep, offset = text.rpartition("-")
    if not sep or not locator or not offset.isdigit():
        raise invalid_locator()
    return locator, int(offset)


@dataclass
class OpenCursor:
    org_id: str
    cursor: object
    total_size: int
    offset: int = 0  # records served before the next page
    last_offset: int = -1  # offset of the page served last
    last_page: list = field(default_factory=list)
    last_done: bool = False
    touched: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


class CursorRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, OpenCursor] = {}

    def _expire(self) -> None:
        cutoff = time.monotonic() - IDLE_SECONDS
        for key in [k for k, c in self._open.items() if c.touched < cutoff]:
            del self._open[key]

    def first_page(self, org_id: str, cursor) -> tuple[list[dict], str | None]:
        """Serve the first page of ``cursor``; return (records, locator or None when done)."""
        records, done = cursor.next_page()
        if done:
            return records, None
        entry = OpenCursor(org_id, cursor, cursor.total_size, offset=len(records))
        entry.last_offset, entry.last_page, entry.last_done = 0, records, False
        locator = new_locator()
        with self._lock:
            self._expire()
            self._open[locator] = entry
        return records, locator

    def next_page(self, org_id: str, locator: str, offset: int) -> tuple[list[dict], bool, int]:
        """(records, done, offset after this page) for ``<locator>-<offset>``."""
        with self._lock:
            self._expire()
            entry = self._open.get(locator)
        if entry is None or entry.org_id != org_id:
            raise invalid_locator()
        with entry.lock:
            entry.touched = time.monotonic()
            if offset == entry.last_offset:
                return entry.last_page, entry.last_done, offset + len(entry.last_page)
            if offset != entry.offset:
                raise invalid_locator()
            records, done = entry.cursor.next_page()
            entry.last_offset, entry.last_page, entry.last_done = offset, records, done
            entry.offset = offset + len(records)
            return records, done, entry.offset

    def total_size(self, locator: str) -> int:
        with self._lock:
            entry = self._open.get(locator)
        return entry.total_size if entry else 0

    def open_count(self) -> int:
        with self._lock:
            return len(self._open)
