"""Streaming reads of one object: REST query pages or Bulk API 2.0 CSV pages, with
retries, API-call counting, and values typed the same way whichever path read them.

    reader = ObjectReader(client, describe, retry=RetryPolicy())
    reader.count(where)                              # SELECT COUNT() (1 call)
    for page in reader.rest_pages(where, include_deleted=True, next_url=None):
        page.rows                                    # lists of values, in reader.fields order
        page.next_url                                # where to resume ("" when done)
    for page in reader.bulk_pages(where, include_deleted=True, job_id=..., locator=...):
        page.rows, page.job_id, page.next_locator    # resume with (job_id, next_locator)
    reader.ids(...)                                  # Ids only, for hard-delete detection
    reader.calls                                     # HTTP requests made (retries included)

With `quota=ApiQuota(...)` (salesforce/quota.py) every request is checked first and
`ApiQuotaReached` is raised, before the request, once the org's quota is used up.

Values are canonical: boolean -> bool, int -> int, double/currency/percent -> float,
datetime -> "YYYY-MM-DDTHH:MM:SS.sssZ", empty -> None, everything else the text. So a
record read by REST and by Bulk API gives the same values (and the same hash).

Retries: HTTP 500/502/503/504, REQUEST_LIMIT_EXCEEDED, SERVER_UNAVAILABLE and cut or
refused connections are retried with exponential backoff (an expired session is renewed
by the client itself, salesforce.client); anything else raises at once.
"""

import codecs
import csv
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3

from salesforce.client import SalesforceClient
from salesforce.composite import answered, composite_queries
from salesforce.errors import (
    SalesforceApiError,
    SalesforceConnectorError,
    SalesforceUnreachable,
)
from salesforce.quota import ApiQuota

logger = logging.getLogger(__name__)

# Field types the Bulk API cannot read (compound fields are read through their parts).
UNREADABLE_TYPES = frozenset({"address", "location", "base64"})
RETRY_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
BULK_PAGE_RECORDS = 100_000
REST_BATCH_SIZE = 2000
csv.field_size_limit(64 * 1024 * 1024)


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    on_retry: Callable[[str], None] | None = None

    def delay(self, attempt: int) -> float:
        return min(self.max_seconds, self.base_seconds * (2 ** (attempt - 1)))


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, SalesforceUnreachable):
        return True
    if isinstance(exc, SalesforceApiError):
        return exc.error_code in RETRY_CODES or exc.status in RETRY_STATUSES
    return False


@dataclass
class Page:
    rows: list[list]
    next_url: str = ""
    job_id: str = ""
    locator: str = ""
    next_locator: str = ""


def _to_bool(text):
    if text is None or text == "":
        return None
    if isinstance(text, bool):
        return text
    return text == "true"


def _to_int(text):
    return None if text is None or text == "" else int(text)


def _to_float(text):
    return None if text is None or text == "" else float(text)


def _to_datetime(text):
    if text is None or text == "":
        return None
    return text[:23] + "Z"


def _to_text(text):
    return None if text == "" else text


_CONVERTERS = {
    "boolean": _to_bool,
    "int": _to_int,
    "double": _to_float,
    "currency": _to_float,
    "percent": _to_float,
    "datetime": _to_datetime,
}


# One expression per CSV cell, the same values as _CONVERTERS give (an empty cell: None).
_CSV_CELL = {
    "boolean": "(r[{i}] == 'true') if r[{i}] else None",
    "int": "int(r[{i}]) if r[{i}] else None",
    "double": "float(r[{i}]) if r[{i}] else None",
    "currency": "float(r[{i}]) if r[{i}] else None",
    "percent": "float(r[{i}]) if r[{i}] else None",
    "datetime": "r[{i}][:23] + 'Z' if r[{i}] else None",
}
_CSV_TEXT_CELL = "r[{i}] or None"


def _csv_row_reader(types: list[str]) -> Callable[[list], list]:
    """A function typing one CSV row: a single list display built from the field types
    (the per-cell loop was a fifth of a backup's Python time). The source holds only
    indexes and the expressions above, never data."""
    cells = ", ".join(_CSV_CELL.get(t, _CSV_TEXT_CELL).format(i=i) for i, t in enumerate(types))
    return eval(f"lambda r: [{cells}]", {"__builtins__": {}, "int": int, "float": float})  # noqa: S307


def readable_fields(describe: dict) -> list[dict]:
    return [f for f in describe.get("fields", []) if f.get("type") not in UNREADABLE_TYPES]


def binary_fields(describe: dict) -> list[str]:
    return [f["name"] for f in describe.get("fields", []) if f.get("type") == "base64"]


@dataclass
class ObjectReader:
    client: SalesforceClient
    describe: dict
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    calls: int = 0
    heartbeat: Callable[[], None] | None = None  # called while waiting on Salesforce
    quota: ApiQuota | None = None
    describe_cached: bool = False  # the last load_describe was answered 304 Not Modified
    describe_modified: str = ""  # its Last-Modified header

    def __post_init__(self) -> None:
        self._use(self.describe)

    def _use(self, describe: dict) -> None:
        self.describe = describe
        self.object_name = describe["name"]
        described = readable_fields(describe)
        self.fields = [f["name"] for f in described]
        self._converters = [
            (index, _CONVERTERS[f["type"]])
            for index, f in enumerate(described)
            if f["type"] in _CONVERTERS
        ]
        self._typed_csv = _csv_row_reader([f["type"] for f in described])

    @classmethod
    def for_object(
        cls,
        client,
        object_name: str,
        *,
        retry: RetryPolicy | None = None,
        quota: ApiQuota | None = None,
    ):
        """A reader whose describe is not loaded yet: call `load_describe()`."""
        return cls(
            client, {"name": object_name, "fields": []}, retry=retry or RetryPolicy(), quota=quota
        )

    def load_describe(self, cached: dict | None = None, last_modified: str = "") -> dict:
        """Describe the object (one call, retried); `calls` counts even when it fails.

        With a `cached` describe and its `last_modified` header, Salesforce answers 304
        when nothing changed and the cached describe is used (no body to download or parse).
        `self.describe_modified` holds the answer's Last-Modified ("" if it gave none) and
        `self.describe_cached` whether the cache was used."""
        headers = {"If-Modified-Since": last_modified} if cached and last_modified else {}
        response = self._call("GET", f"sobjects/{self.object_name}/describe/", headers=headers)
        self.describe_cached = response.status_code == 304
        self.describe_modified = response.headers.get("Last-Modified", "") or (
            last_modified if self.describe_cached else ""
        )
        self._use(cached if self.describe_cached and cached else response.json())
        return self.describe

    # --- plumbing ---------------------------------------------------------------------

    def limits(self) -> dict:
        """The org's `limits` (one call, retried, not held back by the quota)."""
        return self._call("GET", "limits/", guarded=False).json()

    def _call(self, method: str, path: str, *, guarded: bool = True, **kwargs):
        attempt = 0
        while True:
            attempt += 1
            if guarded and self.quota is not None:
                self.quota.before_request(self.client, method, path, read_limits=self.limits)
            self.calls += 1
            try:
                return self.client.request(method, path, **kwargs)
            except SalesforceConnectorError as exc:
                if not is_transient(exc) or attempt >= self.retry.attempts:
                    raise
                delay = self.retry.delay(attempt)
                message = (
                    f"{self.object_name}: {_describe(exc)} Retrying in {delay:g} s "
                    f"(attempt {attempt + 1} of {self.retry.attempts})."
                )
                logger.info(message)
                if self.retry.on_retry is not None:
                    self.retry.on_retry(message)
                self.retry.sleep(delay)

    def soql(self, where: str = "", fields: list[str] | None = None) -> str:
        text = f"SELECT {', '.join(fields or self.fields)} FROM {self.object_name}"  # noqa: S608
        return f"{text} WHERE {where}" if where else text

    def typed(self, row: list) -> list:
        for index, convert in self._converters:
            row[index] = convert(row[index])
        return row

    def typed_csv(self, row: list) -> list:
        """A Bulk API CSV row: an empty cell is null (as REST reads it), then typed."""
        return self._typed_csv(row)

    # --- reads ------------------------------------------------------------------------

    def count(self, where: str = "", *, include_deleted: bool = True) -> int:
        text = self.soql(where, ["COUNT()"])
        resource = "queryAll/" if include_deleted else "query/"
        body = self._call("GET", resource, params={"q": text}).json()
        return int(body.get("totalSize", 0))

    def query_many(self, queries: dict[Any, str]) -> dict[Any, dict]:
        """Many small queries (key -> SOQL, read with queryAll) in composite requests: one
        API call for up to 25 objects instead of one each. Answers key -> the query's body
        (`totalSize`, `records`); keys whose subrequest failed are left out (the caller asks
        those the usual way)."""
        keys, texts = list(queries), list(queries.values())

        def post(body: dict) -> dict:
            return self._call("POST", "composite/", json=body).json()

        answers = composite_queries(post, self.client.api_version, texts, include_deleted=True)
        bodies = zip(keys, (answered(answer) for answer in answers), strict=True)
        return {key: body for key, body in bodies if body is not None}

    def edge_id(self, where: str = "", *, last: bool = False, include_deleted: bool = True) -> str:
        """The lowest (or, with `last`, the highest) Id matching `where`; "" if none (1 call)."""
        order = "DESC" if last else "ASC"
        text = f"{self.soql(where, ['Id'])} ORDER BY Id {order} LIMIT 1"
        resource = "queryAll/" if include_deleted else "query/"
        records = self._call("GET", resource, params={"q": text}).json().get("records") or []
        return records[0]["Id"] if records else ""

    def rest_pages(
        self,
        where: str = "",
        *,
        include_deleted: bool = True,
        next_url: str = "",
        fields: list[str] | None = None,
    ) -> Iterator[Page]:
        fields = fields or self.fields
        headers = {"Sforce-Query-Options": f"batchSize={REST_BATCH_SIZE}"}
        if next_url:
            body = self._call("GET", next_url, headers=headers).json()
        else:
            resource = "queryAll/" if include_deleted else "query/"
            text = self.soql(where, fields)
            body = self._call("GET", resource, params={"q": text}, headers=headers).json()
        typed = self.typed if fields is self.fields else (lambda row: row)
        while True:
            rows = [typed([record.get(name) for name in fields]) for record in body["records"]]
            following = "" if body.get("done", True) else body.get("nextRecordsUrl", "")
            yield Page(rows=rows, next_url=following)
            if not following:
                return
            body = self._call("GET", following, headers=headers).json()

    def bulk_start(self, where: str = "", *, include_deleted: bool = True, fields=None) -> str:
        body = self._call(
            "POST",
            "jobs/query",
            json={
                "operation": "queryAll" if include_deleted else "query",
                "query": self.soql(where, fields),
                "contentType": "CSV",
                "columnDelimiter": "COMMA",
                "lineEnding": "LF",
            },
        ).json()
        return body["id"]

    def bulk_wait(self, job_id: str, *, poll_seconds: float = 0.02, timeout: float = 3600) -> dict:
        deadline = time.monotonic() + timeout
        delay = poll_seconds
        while True:
            if self.heartbeat is not None:
                self.heartbeat()  # a long query job must not look like a stopped worker
            info = self._call("GET", f"jobs/query/{job_id}").json()
            state = info.get("state")
            if state == "JobComplete":
                return info
            if state in ("Failed", "Aborted"):
                message = info.get("errorMessage") or f"the Bulk API query job was {state.lower()}"
                raise SalesforceApiError("BULK_QUERY_FAILED", message)
            if time.monotonic() > deadline:
                raise SalesforceApiError(
                    "BULK_QUERY_TIMEOUT", f"the Bulk API query job {job_id} did not finish in time"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    def bulk_pages(
        self,
        where: str = "",
        *,
        include_deleted: bool = True,
        job_id: str = "",
        locator: str = "",
        fields: list[str] | None = None,
        page_records: int = BULK_PAGE_RECORDS,
        batch_rows: int = 2000,
    ) -> Iterator[Page]:
        """CSV pages of a Bulk API 2.0 query job, streamed and cut into batches of rows.

        Each yielded Page holds at most `batch_rows` rows; `locator` is where its CSV
        page started, so a resumed reader starts again from that page.
        """
        if not job_id:
            job_id = self.bulk_start(where, include_deleted=include_deleted, fields=fields)
        self.bulk_wait(job_id)
        typed = self.typed_csv if fields is None else None  # named fields: kept as text
        while True:
            following = yield from self._bulk_page(job_id, locator, page_records, batch_rows, typed)
            if not following:
                return
            locator = following

    def _bulk_page(self, job_id, locator, page_records, batch_rows, typed):
        """Yield one CSV page in batches; a cut read is retried, skipping rows already yielded."""
        params = {"maxRecords": page_records}
        if locator:
            params["locator"] = locator
        done = 0
        attempt = 0
        while True:
            attempt += 1
            response = self._call(
                "GET",
                f"jobs/query/{job_id}/results",
                params=params,
                stream=True,
                headers={"Accept": "text/csv"},
            )
            following = response.headers.get("Sforce-Locator", "null")
            following = "" if following in ("", "null") else following
            try:
                rows = csv.reader(_lines(response))
                next(rows, None)  # header
                rows = itertools.islice(rows, done, None)  # skip what a cut read yielded
                while True:
                    batch = list(itertools.islice(rows, batch_rows))
                    if typed is not None:
                        batch = [typed(row) for row in batch]
                    if len(batch) < batch_rows:
                        break
                    yield Page(rows=batch, job_id=job_id, locator=locator, next_locator=locator)
                    done += len(batch)
                yield Page(rows=batch, job_id=job_id, locator=locator, next_locator=following)
                return following
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                error = SalesforceUnreachable(
                    f"the Bulk API results of {self.object_name}",
                    "the connection was cut while reading",
                )
                if attempt >= self.retry.attempts:
                    raise error from exc
                delay = self.retry.delay(attempt)
                message = (
                    f"{self.object_name}: {error} Retrying in {delay:g} s "
                    f"(attempt {attempt + 1} of {self.retry.attempts})."
                )
                if self.retry.on_retry is not None:
                    self.retry.on_retry(message)
                self.retry.sleep(delay)
            finally:
                response.close()

    def get_body(self, record_id: str, field_name: str) -> bytes:
        path = f"sobjects/{self.object_name}/{record_id}/{field_name}"
        return self._call("GET", path, headers={"Accept": "*/*"}).content


_CUT_REASONS = (
    "ChunkedEncodingError",
    "ProtocolError",
    "ContentDecodingError",
    "the connection was cut",
)


def _describe(exc: Exception) -> str:
    """The error as a sentence; a body cut short says so."""
    if isinstance(exc, SalesforceUnreachable) and exc.reason in _CUT_REASONS:
        return "Salesforce cut the connection while sending its answer (the connection was cut)."
    return str(exc)


def _lines(response) -> Iterator[str]:
    """Text lines (newline kept) of a streamed response, for csv.reader."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    rest = ""
    for chunk in response.iter_content(chunk_size=1 << 20):
        text = rest + decoder.decode(chunk)
        lines = text.split("\n")
        rest = lines.pop()
        for line in lines:
            yield line + "\n"
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CASE_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def id18(id15: str) -> str:
    """A 15-character Id with its 3-character case-safe suffix."""
    suffix = []
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if "A" <= ch <= "Z")
        suffix.append(_CASE_SAFE[bits])
    return id15 + "".join(suffix)


def id_range_bounds(low: str, high: str, parts: int) -> list[str]:
    """Up to `parts - 1` Ids splitting [low, high] into `parts` ranges of equal Id space.

    An Id is a 3-character key prefix and 12 base-62 characters; the bounds are
    interpolated between the lowest and highest Id as numbers, the way Salesforce's PK
    chunking splits a table, so ranges are balanced when Ids are spread evenly. Whether
    the server compares Ids case-sensitively or not (the simulator does not), the bounds
    use digits and capitals only, so they sort the same way under both and the ranges
    [.., b1), [b1, b2), ..., [bn, ..) hold every Id exactly once.
    """
    if parts < 2 or len(low) < 15 or len(high) < 15 or low[:3] != high[:3]:
        return []

    def number(record_id: str) -> int:
        value = 0
        for ch in record_id[3:15].upper():
            value = value * 36 + _BASE36.index(ch)
        return value

    def text(value: int) -> str:
        chars = []
        for _ in range(12):
            value, rem = divmod(value, 36)
            chars.append(_BASE36[rem])
        return "".join(reversed(chars))

    first, last = number(low), number(high)
    bounds: list[str] = []
    for part in range(1, parts):
        value = first + (last - first + 1) * part // parts
        if first < value <= last and (not bounds or value > number(bounds[-1])):
            bounds.append(id18(low[:3] + text(value)))
    return bounds
