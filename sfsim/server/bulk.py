"""Bulk API 2.0: query jobs (``jobs/query``) and ingest jobs (``jobs/ingest``).

Files live under ``DATA_DIR/bulk/``: ``<jobId>.json`` (the job info, so jobs survive a
restart), and for query jobs ``<jobId>.csv`` (the results, written as the job runs)
plus ``<jobId>.idx`` (the byte offset of every row, so any page is a byte range that
is streamed straight from the file). Ingest jobs keep ``<jobId>.upload.csv`` and the
``success``/``failed``/``unprocessed`` result files.

State machines (as simple-salesforce's ``bulk2`` expects):
query:  UploadComplete -> InProgress -> JobComplete | Failed | Aborted
ingest: Open -> (PUT batches, 201) -> UploadComplete -> InProgress -> JobComplete | Failed;
        Open/UploadComplete/InProgress -> Aborted
"""

from __future__ import annotations

import array
import base64
import binascii
import bisect
import csv
import io
import json
import logging
import math
import mmap
import os
import secrets
import threading
import time
from itertools import accumulate, islice
from pathlib import Path

from werkzeug.wrappers import Response

from sfsim.clock import sf_datetime
from sfsim.errors import SalesforceError
from sfsim.ids import BASE62, checksum
from sfsim.server.app import api, routes
from sfsim.server.http import Ctx, json_response, parse_json_body

log = logging.getLogger("sfsim.bulk")

JOBS = "/services/data/v<version>/jobs"
DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
QUERY_OPERATIONS = ("query", "queryAll")
FINAL_STATES = ("JobComplete", "Failed", "Aborted")
DEFAULT_PAGE_BYTES = 1024**3
CHUNK = 1024 * 1024
WRITE_BATCH = 5000
INGEST_CHUNK = 10_000
INGEST_TRANSACTION = 200  # rows saved in one transaction, as Salesforce does
MAX_UPLOAD_BYTES = 150 * 1024 * 1024


def _not_found() -> SalesforceError:
    return SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)


def _bad_state(message: str) -> SalesforceError:
    return SalesforceError("INVALIDJOBSTATE", message, status=400)


def _new_job_id() -> str:
    id15 = "750" + "".join(secrets.choice(BASE62) for _ in range(12))
    return id15 + checksum(id15)


def encode_locator(row: int) -> str:
    return base64.b64encode(str(row).encode()).decode().rstrip("=")


def decode_locator(text: str) -> int:
    try:
        padded = text + "=" * (-len(text) % 4)
        row = int(base64.b64decode(padded, validate=True).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise SalesforceError("INVALIDLOCATOR", f"Invalid locator: {text}") from exc
    if row < 0:
        raise SalesforceError("INVALIDLOCATOR", f"Invalid locator: {text}")
    return row


class Job:
    """One Bulk API 2.0 job; ``info`` is the JSON Salesforce answers for it."""

    def __init__(self, info: dict, org_id: str, user_id: str) -> None:
        self.info = info
        self.org_id = org_id
        self.user_id = user_id
        self.lock = threading.Lock()
        self.save_lock = threading.Lock()
        self.abort = threading.Event()
        self.registered = threading.Event()
        self.started = threading.Event()
        self.start_error: SalesforceError | None = None
        self.offsets: memoryview | None = None
        self.header_bytes = b""
        self.uploaded = False

    @property
    def id(self) -> str:
        return self.info["id"]

    @property
    def is_query(self) -> bool:
        return self.info["jobType"] == "V2Query"

    def public_info(self) -> dict:
        with self.lock:
            return dict(self.info)


class BulkJobs:
    def __init__(self, app, folder: Path) -> None:
        self.app = app
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._load()

    # -- persistence -------------------------------------------------------------------
    def _path(self, job_id: str, suffix: str) -> Path:
        return self.folder / f"{job_id}{suffix}"

    def _load(self) -> None:
        for path in sorted(self.folder.glob("*.json")):
            try:
                saved = json.loads(path.read_text())
            except (OSError, ValueError):
                log.warning("skipping unreadable bulk job file %s", path)
                continue
            job = Job(saved["info"], saved["org_id"], saved["user_id"])
            job.header_bytes = base64.b64decode(saved.get("header", ""))
            job.uploaded = self._path(job.id, ".upload.csv").exists()
            if job.info["state"] in ("UploadComplete", "InProgress"):
                job.info["state"] = "Failed"
                job.info["errorMessage"] = "The simulator restarted while the job was running."
                self.save(job)
            self._jobs[job.id] = job

    def save(self, job: Job) -> None:
        with job.lock:
            data = {
                "info": job.info,
                "org_id": job.org_id,
                "user_id": job.user_id,
                "header": base64.b64encode(job.header_bytes).decode(),
            }
        with job.save_lock:
            tmp = self._path(job.id, ".json.tmp")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, self._path(job.id, ".json"))

    def close(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.abort.set()

    # -- lookup ------------------------------------------------------------------------
    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
        self.save(job)

    def get(self, ctx: Ctx, job_id: str, query: bool) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.org_id != ctx.org.org_id or job.is_query != query:
            raise _not_found()
        return job

    def list(self, ctx: Ctx, query: bool) -> list[dict]:
        with self._lock:
            jobs = list(self._jobs.values())
        return [j.public_info() for j in jobs if j.org_id == ctx.org.org_id and j.is_query == query]

    def delete(self, job: Job) -> None:
        with self._lock:
            self._jobs.pop(job.id, None)
        for suffix in (
            ".json",
            ".csv",
            ".idx",
            ".upload.csv",
            ".success.csv",
            ".failed.csv",
            ".unprocessed.csv",
        ):
            self._path(job.id, suffix).unlink(missing_ok=True)

    def set_state(self, job: Job, state: str, error: str | None = None) -> None:
        with job.lock:
            job.info["state"] = state
            job.info["systemModstamp"] = sf_datetime(self.app.sim.clock.now())
            if error:
                job.info["errorMessage"] = error
        self.save(job)

    def offsets(self, job: Job):
        """The row offsets of a finished query job, memory-mapped from ``<jobId>.idx``."""
        if job.offsets is None:
            with self._path(job.id, ".idx").open("rb") as handle:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            job.offsets = memoryview(mapped).cast("Q")
        return job.offsets


def _job_info(ctx: Ctx, *, job_type: str, operation: str, object_name: str, body: dict) -> dict:
    now = sf_datetime(ctx.sim.clock.now())
    info = {
        "id": _new_job_id(),
        "operation": operation,
        "object": object_name,
        "createdById": ctx.user.id,
        "createdDate": now,
        "systemModstamp": now,
        "state": "UploadComplete" if job_type == "V2Query" else "Open",
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(ctx.version),
        "jobType": job_type,
        "lineEnding": body.get("lineEnding", "LF"),
        "columnDelimiter": body.get("columnDelimiter", "COMMA"),
        "numberRecordsProcessed": 0,
        "retries": 0,
        "totalProcessingTime": 0,
    }
    if job_type == "V2Ingest":
        info["numberRecordsFailed"] = 0
        info["apiActiveProcessingTime"] = 0
        info["apexProcessingTime"] = 0
        info["contentUrl"] = f"services/data/v{ctx.version}/jobs/ingest/{info['id']}/batches"
        if body.get("externalIdFieldName"):
            info["externalIdFieldName"] = body["externalIdFieldName"]
    return info


def _check_format(body: dict) -> None:
    if body.get("columnDelimiter", "COMMA") not in DELIMITERS:
        raise SalesforceError(
            "INVALIDJOB", f"Invalid column delimiter: {body.get('columnDelimiter')}"
        )
    if body.get("lineEnding", "LF") not in LINE_ENDINGS:
        raise SalesforceError("INVALIDJOB", f"Invalid line ending: {body.get('lineEnding')}")
    if body.get("contentType", "CSV") != "CSV":
        raise SalesforceError("INVALIDJOB", "Only contentType CSV is supported.")


# -- query jobs ------------------------------------------------------------------------------
def _object_from_query(text: str) -> str:
    words = text.replace("\n", " ").split()
    for index, word in enumerate(words[:-1]):
        if word.upper() == "FROM":
            return words[index + 1].rstrip(")")
    return ""


def _guarded(run):
    """Run a job body; any escape marks the job Failed instead of leaving it running."""

    def worker(app, job: Job, *args) -> None:
        try:
            run(app, job, *args)
        except Exception as exc:
            log.exception("bulk job %s failed", job.id)
            job.started.set()
            app.bulk.set_state(job, "Failed", f"UNKNOWN_EXCEPTION: {type(exc).__name__}: {exc}")

    return worker


@_guarded
def _run_query_job(app, job: Job, org, user, text: str, include_deleted: bool) -> None:
    bulk: BulkJobs = app.bulk
    started = time.monotonic()
    try:
        header, lines = org.query_csv_lines(
            text,
            include_deleted=include_deleted,
            user=user,
            delimiter=DELIMITERS[job.info["columnDelimiter"]],
            line_ending=LINE_ENDINGS[job.info["lineEnding"]],
        )
    except SalesforceError as error:
        job.start_error = error
        job.started.set()
        return
    except Exception as exc:
        log.exception("bulk query job %s failed to start", job.id)
        job.start_error = SalesforceError(
            "UNKNOWN_EXCEPTION", f"{type(exc).__name__}: {exc}", status=500
        )
        job.started.set()
        return
    job.started.set()
    if not job.registered.wait(30):
        return
    bulk.set_state(job, "InProgress")
    job.header_bytes = header.encode()
    offsets = array.array("Q", [0])
    position = 0
    count = 0
    try:
        with bulk._path(job.id, ".csv").open("wb") as out:
            while True:
                batch = list(islice(lines, WRITE_BATCH))
                if not batch:
                    break
                position = write_lines(out, batch, offsets, position)
                count += len(batch)
                with job.lock:
                    job.info["numberRecordsProcessed"] = count
                if job.abort.is_set():
                    return
        with bulk._path(job.id, ".idx").open("wb") as handle:
            offsets.tofile(handle)
        # Query results count against DailyBulkV2QueryFileStorageMB (whole MB, rounded up).
        org.consume("DailyBulkV2QueryFileStorageMB", math.ceil(position / (1024 * 1024)))
        with job.lock:
            job.info["numberRecordsProcessed"] = count
            job.info["totalProcessingTime"] = int((time.monotonic() - started) * 1000)
        bulk.set_state(job, "JobComplete")
    except SalesforceError as error:
        bulk.set_state(job, "Failed", f"{error.error_code}: {error.message}")
    finally:
        close = getattr(lines, "close", None)
        if close:
            close()


def write_lines(out, batch: list[str], offsets: array.array, position: int) -> int:
    """Write CSV lines; append the byte offset after each line; return the new position."""
    text = "".join(batch)
    data = text.encode()
    if len(data) == len(text):
        lengths = map(len, batch)
    else:
        lengths = (len(line.encode()) for line in batch)
    steps = list(accumulate(lengths, initial=position))
    offsets.extend(steps[1:])
    out.write(data)
    return steps[-1]


@routes.route(JOBS + "/query", ["POST", "GET"])
@api
def query_jobs(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        return json_response(
            {"done": True, "records": ctx.app.bulk.list(ctx, True), "nextRecordsUrl": None}
        )
    body = parse_json_body(ctx.request)
    if not isinstance(body, dict):
        raise SalesforceError("JSON_PARSER_ERROR", "The job definition must be a JSON object.")
    operation = body.get("operation")
    if operation not in QUERY_OPERATIONS:
        raise SalesforceError("INVALIDJOB", f"Invalid operation: {operation}")
    text = body.get("query")
    if not isinstance(text, str) or not text.strip():
        raise SalesforceError("INVALIDJOB", "The query is required for a query job.")
    _check_format(body)
    ctx.org.consume("DailyBulkV2QueryJobs")
    info = _job_info(
        ctx,
        job_type="V2Query",
        operation=operation,
        object_name=_object_from_query(text),
        body=body,
    )
    job = Job(info, ctx.org.org_id, ctx.user.id)
    worker = threading.Thread(
        target=_run_query_job,
        args=(ctx.app, job, ctx.org, ctx.user, text, operation == "queryAll"),
        name=f"bulk-query-{job.id}",
        daemon=True,
    )
    worker.start()
    job.started.wait()
    if job.start_error is not None:
        raise job.start_error
    ctx.app.bulk.add(job)
    answer = job.public_info()
    job.registered.set()
    return json_response(answer)


@routes.route(JOBS + "/query/<job_id>", ["GET", "PATCH", "DELETE"])
@api
def query_job(ctx: Ctx, job_id: str) -> Response:
    return _job_detail(ctx, job_id, query=True)


def _job_detail(ctx: Ctx, job_id: str, query: bool) -> Response:
    bulk: BulkJobs = ctx.app.bulk
    job = bulk.get(ctx, job_id, query)
    method = ctx.request.method
    if method == "GET":
        return json_response(job.public_info())
    if method == "DELETE":
        if job.info["state"] not in (*FINAL_STATES, "Open"):
            raise _bad_state("Abort the job before deleting it.")
        job.abort.set()
        bulk.delete(job)
        return Response(status=204)
    body = parse_json_body(ctx.request)
    state = body.get("state") if isinstance(body, dict) else None
    if state == "Aborted":
        if job.info["state"] in FINAL_STATES:
            raise _bad_state(f"Job is already {job.info['state']}.")
        job.abort.set()
        if not query:
            _write_unprocessed_on_abort(bulk, job)
        bulk.set_state(job, "Aborted")
        return json_response(job.public_info())
    if state == "UploadComplete" and not query:
        return _close_ingest(ctx, job)
    raise _bad_state(f"Cannot change the job state to {state}.")


@routes.route(JOBS + "/query/<job_id>/results", ["GET"])
@api
def query_results(ctx: Ctx, job_id: str) -> Response:
    bulk: BulkJobs = ctx.app.bulk
    job = bulk.get(ctx, job_id, True)
    if job.info["state"] != "JobComplete":
        raise _bad_state(f"The job is {job.info['state']}; results are ready at JobComplete.")
    offsets = bulk.offsets(job)
    total = len(offsets) - 1
    locator = ctx.request.args.get("locator", "")
    start = decode_locator(locator) if locator and locator != "null" else 0
    if start > total:
        raise SalesforceError("INVALIDLOCATOR", f"Invalid locator: {locator}")
    max_records = ctx.request.args.get("maxRecords", "")
    if max_records:
        if not max_records.isdigit() or int(max_records) < 1:
            raise SalesforceError("INVALIDMAXRECORDS", f"Invalid maxRecords: {max_records}")
        end = min(total, start + int(max_records))
    else:
        limit = offsets[start] + DEFAULT_PAGE_BYTES
        end = max(start + 1, bisect.bisect_right(offsets, limit) - 1) if total else 0
        end = min(end, total)
    first, last = offsets[start], offsets[end]
    path = bulk._path(job.id, ".csv")

    def stream():
        yield job.header_bytes
        with path.open("rb") as handle:
            handle.seek(first)
            remaining = last - first
            while remaining > 0:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk

    headers = {
        "Sforce-Locator": encode_locator(end) if end < total else "null",
        "Sforce-NumberOfRecords": str(end - start),
        "Content-Length": str(len(job.header_bytes) + last - first),
    }
    return Response(stream(), headers=headers, content_type="text/csv")


# -- ingest jobs -----------------------------------------------------------------------------
@routes.route(JOBS + "/ingest", ["POST", "GET"])
@api
def ingest_jobs(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        return json_response(
            {"done": True, "records": ctx.app.bulk.list(ctx, False), "nextRecordsUrl": None}
        )
    body = parse_json_body(ctx.request)
    if not isinstance(body, dict):
        raise SalesforceError("JSON_PARSER_ERROR", "The job definition must be a JSON object.")
    operation = body.get("operation")
    if operation not in INGEST_OPERATIONS:
        raise SalesforceError("INVALIDJOB", f"Invalid operation: {operation}")
    object_name = body.get("object")
    if not isinstance(object_name, str) or not object_name:
        raise SalesforceError("INVALIDJOB", "The object is required for an ingest job.")
    try:
        object_name = ctx.org.describe(object_name)["name"]
    except SalesforceError as error:
        raise SalesforceError("INVALIDJOB", f"Unable to find object: {object_name}") from error
    if operation == "upsert" and not body.get("externalIdFieldName"):
        raise SalesforceError("INVALIDJOB", "externalIdFieldName is required for upsert.")
    _check_format(body)
    info = _job_info(
        ctx, job_type="V2Ingest", operation=operation, object_name=object_name, body=body
    )
    job = Job(info, ctx.org.org_id, ctx.user.id)
    ctx.app.bulk.add(job)
    return json_response(job.public_info())


@routes.route(JOBS + "/ingest/<job_id>", ["GET", "PATCH", "DELETE"])
@api
def ingest_job(ctx: Ctx, job_id: str) -> Response:
    return _job_detail(ctx, job_id, query=False)


@routes.route(JOBS + "/ingest/<job_id>/batches", ["PUT"])
@api
def ingest_upload(ctx: Ctx, job_id: str) -> Response:
    bulk: BulkJobs = ctx.app.bulk
    job = bulk.get(ctx, job_id, False)
    if job.info["state"] != "Open":
        raise _bad_state(f"The job is {job.info['state']}; data can be uploaded only while Open.")
    if job.uploaded:
        raise _bad_state("Data was already uploaded for this job; create a new job for more.")
    data = ctx.request.get_data()
    if len(data) > MAX_UPLOAD_BYTES:
        raise SalesforceError("INVALIDBATCH", "The upload is larger than 150 MB.")
    if not data.strip():
        raise SalesforceError("INVALIDBATCH", "The upload is empty.")
    bulk._path(job.id, ".upload.csv").write_bytes(data)
    job.uploaded = True
    return Response(status=201)


def _close_ingest(ctx: Ctx, job: Job) -> Response:
    bulk: BulkJobs = ctx.app.bulk
    if job.info["state"] != "Open":
        raise _bad_state(f"The job is {job.info['state']}; only an Open job can be closed.")
    if not job.uploaded:
        bulk.set_state(job, "Failed", "InvalidBatch : No data was uploaded for this job.")
        return json_response(job.public_info())
    bulk.set_state(job, "UploadComplete")
    worker = threading.Thread(
        target=_run_ingest_job,
        args=(ctx.app, job, ctx.org, ctx.user),
        name=f"bulk-ingest-{job.id}",
        daemon=True,
    )
    worker.start()
    return json_response(job.public_info())


def _read_upload(bulk: BulkJobs, job: Job) -> tuple[list[str], list[list[str]]]:
    text = bulk._path(job.id, ".upload.csv").read_bytes().decode("utf-8-sig")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=DELIMITERS[job.info["columnDelimiter"]]
    )
    rows = [row for row in reader if row]
    if not rows:
        raise SalesforceError("INVALIDBATCH", "The upload has no header row.")
    return rows[0], rows[1:]


def _error_text(error: SalesforceError) -> str:
    fields = ",".join(error.fields)
    return (
        f"{error.error_code}:{error.message}:{fields} --"
        if fields
        else (f"{error.error_code}:{error.message}:--")
    )


def _apply_row(org, user, job: Job, header: list[str], row: list[str]) -> tuple[str, bool]:
    values: dict = {}
    for name, value in zip(header, row, strict=False):
        if value == "":
            continue
        values[name] = None if value == "#N/A" else value
    operation = job.info["operation"]
    object_name = job.info["object"]
    record_id = values.pop("Id", None) or values.pop("ID", None) or values.pop("id", None)
    if operation == "insert":
        return org.create(object_name, values, user), True
    if operation == "upsert":
        field = job.info["externalIdFieldName"]
        if field.lower() == "id":
            if record_id:
                org.update(object_name, record_id, values, user)
                return record_id, False
            return org.create(object_name, values, user), True
        key = values.pop(field, None)
        if key is None:
            raise SalesforceError("MISSING_ARGUMENT", f"{field} not specified", [field])
        return org.upsert(object_name, field, key, values, user)
    if not record_id:
        raise SalesforceError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
    if operation == "update":
        org.update(object_name, record_id, values, user)
    elif operation == "delete":
        org.delete(record_id, user)
    else:
        org.hard_delete(record_id, user)
    return record_id, False


def _csv_writer(handle, job: Job):
    return csv.writer(
        handle,
        delimiter=DELIMITERS[job.info["columnDelimiter"]],
        lineterminator=LINE_ENDINGS[job.info["lineEnding"]],
        quoting=csv.QUOTE_ALL,
    )


@_guarded
def _run_ingest_job(app, job: Job, org, user) -> None:
    bulk: BulkJobs = app.bulk
    started = time.monotonic()
    try:
        header, rows = _read_upload(bulk, job)
    except (SalesforceError, UnicodeDecodeError, csv.Error) as exc:
        bulk.set_state(job, "Failed", f"InvalidBatch : {exc}")
        return
    if job.abort.is_set():
        return
    try:
        # Bulk API and Bulk API 2.0 ingest share DailyBulkApiBatches: a batch per 10,000 rows.
        org.consume("DailyBulkApiBatches", max(1, math.ceil(len(rows) / INGEST_CHUNK)))
    except SalesforceError as error:
        bulk.set_state(job, "Failed", f"InvalidBatch : {error.message}")
        return
    bulk.set_state(job, "InProgress")
    processed = failed = 0
    done_rows = 0
    with (
        bulk._path(job.id, ".success.csv").open("w", newline="", encoding="utf-8") as ok_file,
        bulk._path(job.id, ".failed.csv").open("w", newline="", encoding="utf-8") as bad_file,
    ):
        ok, bad = _csv_writer(ok_file, job), _csv_writer(bad_file, job)
        ok.writerow(["sf__Id", "sf__Created", *header])
        bad.writerow(["sf__Id", "sf__Error", *header])
        for start in range(0, len(rows), INGEST_TRANSACTION):
            if job.abort.is_set():
                break
            # Salesforce saves ingested rows 200 to a transaction: one commit per group,
            # each row a savepoint inside it, so a failed row undoes only itself.
            with org.transaction():
                for row in rows[start : start + INGEST_TRANSACTION]:
                    if job.abort.is_set():
                        break
                    try:
                        record_id, created = _apply_row(org, user, job, header, row)
                        ok.writerow([record_id, "true" if created else "false", *row])
                    except SalesforceError as error:
                        failed += 1
                        position = header.index("Id") if "Id" in header else len(row)
                        given_id = row[position] if position < len(row) else ""
                        bad.writerow(
                            [
                                given_id if job.info["operation"] != "insert" else "",
                                _error_text(error),
                                *row,
                            ]
                        )
                    except Exception as exc:
                        log.exception("bulk ingest job %s: unexpected error on a row", job.id)
                        failed += 1
                        bad.writerow(
                            ["", f"UNKNOWN_EXCEPTION:{type(exc).__name__}: {exc}:--", *row]
                        )
                    processed += 1
                    done_rows += 1
            with job.lock:
                job.info["numberRecordsProcessed"] = processed
                job.info["numberRecordsFailed"] = failed
    with bulk._path(job.id, ".unprocessed.csv").open("w", newline="", encoding="utf-8") as rest:
        writer = csv.writer(
            rest,
            delimiter=DELIMITERS[job.info["columnDelimiter"]],
            lineterminator=LINE_ENDINGS[job.info["lineEnding"]],
        )
        writer.writerow(header)
        writer.writerows(rows[done_rows:])
    with job.lock:
        job.info["numberRecordsProcessed"] = processed
        job.info["numberRecordsFailed"] = failed
        elapsed = int((time.monotonic() - started) * 1000)
        job.info["totalProcessingTime"] = elapsed
        job.info["apiActiveProcessingTime"] = elapsed
    if job.abort.is_set():
        bulk.save(job)
        return
    bulk.set_state(job, "JobComplete")


def _write_unprocessed_on_abort(bulk: BulkJobs, job: Job) -> None:
    """An Open or UploadComplete job aborted before it ran: every uploaded row is unprocessed."""
    if job.info["state"] == "InProgress" or not job.uploaded:
        return
    data = bulk._path(job.id, ".upload.csv").read_bytes()
    bulk._path(job.id, ".unprocessed.csv").write_bytes(data)


@routes.route(JOBS + "/ingest/<job_id>/<kind>", ["GET"])
@api
def ingest_results(ctx: Ctx, job_id: str, kind: str) -> Response:
    suffix = {
        "successfulresults": ".success.csv",
        "failedresults": ".failed.csv",
        "unprocessedrecords": ".unprocessed.csv",
    }.get(kind.lower())
    if suffix is None:
        raise _not_found()
    bulk: BulkJobs = ctx.app.bulk
    job = bulk.get(ctx, job_id, False)
    path = bulk._path(job.id, suffix)
    if job.info["state"] not in FINAL_STATES or not path.exists():
        if suffix == ".unprocessed.csv" and job.info["state"] in FINAL_STATES:
            return Response(b"", content_type="text/csv")
        raise _bad_state(f"The job is {job.info['state']}; results are ready when it ends.")
    return Response(path.read_bytes(), content_type="text/csv")
