"""Record writes through one Bulk API 2.0 ingest job, for sets too big for sObject
Collections to be worth it (200 records a call).

- `bulk_ingest(client, object_name, operation, records, *, poll=0.1) -> IngestOutcome` —
  operation "insert" or "update"; one job: create, upload the CSV (201), close it
  (UploadComplete), poll its state until it ends (the wait between checks is the time
  left at the pace of the records processed so far, at most 2 s), read its successful
  and failed results.
  Answers one `WriteResult` per record in the order given (an update's result is found
  by its Id; an insert's by the row's values, which Salesforce echoes after `sf__Id`),
  and the number of API calls made. A record's failure is its result (Salesforce's
  `sf__Error` "CODE:message"), never an exception; a job that fails as a whole fails
  every record with its `errorMessage`.

Values: None is written as `#N/A` on an update (Bulk API's "set to null") and left
empty on an insert; a field a record does not carry is left empty (unchanged); booleans
as true/false.
"""

import csv
import hashlib
import io
import time
from dataclasses import dataclass

from salesforce.client import SalesforceClient
from salesforce.writes import WriteResult

CALLS_PER_JOB = 6  # create, upload, close, one status check, successful and failed results
MAX_ROWS = 100_000  # rows per job (a 150 MB upload holds far more of our rows)


@dataclass
class IngestOutcome:
    results: list[WriteResult]
    calls: int


def _cell(value, operation: str) -> str:
    if value is None:
        return "#N/A" if operation == "update" else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _columns(records: list[dict]) -> list[str]:
    return list(dict.fromkeys(name for record in records for name in record))


def _row_key(values: list[str], id_at: int | None):
    """How a result row is matched to the row written: by its Id (an update), else by a
    digest of all its values (an insert: Salesforce echoes them after `sf__Id`)."""
    if id_at is not None:
        return values[id_at]
    return hashlib.blake2b("\x1f".join(values).encode(), digest_size=16).digest()


def bulk_ingest(
    client: SalesforceClient,
    object_name: str,
    operation: str,
    records: list[dict],
    *,
    poll: float = 0.1,
    timeout: float = 3600,
) -> IngestOutcome:
    if operation not in ("insert", "update"):
        raise ValueError(f"bulk_ingest writes inserts or updates, not {operation!r}.")
    if len(records) > MAX_ROWS:
        raise ValueError(f"At most {MAX_ROWS} records per ingest job, not {len(records)}.")
    columns = _columns(records)
    id_at = columns.index("Id") if "Id" in columns else None
    # The CSV is written a row at a time, and only each row's key is kept to find its
    # result: its Id, or a digest of its values (an insert's result echoes them). No
    # list of rows is held beside the records: memory stays that of the records given.
    positions: dict = {}  # key -> [positions of the rows with that key]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for position, record in enumerate(records):
        # A column a record does not carry is left empty: Bulk API leaves that field as it is.
        row = [_cell(record[c], operation) if c in record else "" for c in columns]
        writer.writerow(row)
        positions.setdefault(_row_key(row, id_at), []).append(position)
    upload = text.getvalue().encode("utf-8")
    del text
    calls = 1
    job = client.request(
        "POST",
        "jobs/ingest",
        json={
            "object": object_name,
            "operation": operation,
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        },
    ).json()
    path = f"jobs/ingest/{job['id']}"
    calls += 1
    client.request(
        "PUT",
        f"{path}/batches",
        data=upload,
        headers={"Content-Type": "text/csv"},
    )
    calls += 1
    del upload
    client.request("PATCH", path, json={"state": "UploadComplete"})
    started = time.monotonic()
    deadline = started + timeout
    wait = poll
    while True:
        calls += 1
        info = client.request("GET", path).json()
        if info.get("state") in ("JobComplete", "Failed", "Aborted"):
            break
        if time.monotonic() > deadline:
            info = {"state": "Failed", "errorMessage": "the ingest job did not end in time"}
            break
        done = int(info.get("numberRecordsProcessed") or 0)
        if done:
            # The time left at the pace so far: the next check finds the job just ended,
            # rather than up to a whole growing interval later.
            pace = (time.monotonic() - started) / done
            wait = min(max((len(records) - done) * pace, poll), 2.0)
        else:
            wait = min(wait * 1.5, 2.0)  # not started yet: a few checks, then every 2 s
        time.sleep(wait)
    if info.get("state") != "JobComplete":
        message = info.get("errorMessage") or f"the ingest job ended {info.get('state')}"
        failed = WriteResult(False, error_code="BULK_JOB_FAILED", message=message)
        return IngestOutcome([failed] * len(records), calls)

    results: list[WriteResult | None] = [None] * len(records)

    def place(answer_rows, make) -> None:
        header = next(answer_rows, None)
        if not header:
            return
        offset = 2  # sf__Id and sf__Created / sf__Error come first
        for answer in answer_rows:
            found = positions.get(_row_key(answer[offset : offset + len(columns)], id_at))
            if found:
                results[found.pop(0)] = make(answer)

    def success(answer: list[str]) -> WriteResult:
        return WriteResult(True, id=answer[0])

    def failure(answer: list[str]) -> WriteResult:
        code, _, message = answer[1].partition(":")
        if message.endswith("--"):  # "CODE:message:fields --"
            message = message.rsplit(":", 1)[0]
        return WriteResult(False, id=answer[0], error_code=code, message=message)

    for kind, make in (("successfulResults", success), ("failedResults", failure)):
        calls += 1
        body = client.request("GET", f"{path}/{kind}").content
        # Decoded as it is read, not as a second whole copy of the results.
        lines = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8-sig", newline="")
        place(csv.reader(lines), make)
        del body, lines
    missing = WriteResult(False, error_code="BULK_NO_RESULT", message="no result for this row")
    return IngestOutcome([r or missing for r in results], calls)
