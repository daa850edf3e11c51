"""The change probe: before an incremental reads anything, one composite request per 25
objects asks Salesforce what changed in each object since its watermark.

An object with no change is then neither described nor read (0 further calls); a changed
object spends its describe (304 when unchanged) and its read, and no COUNT() of its own.
An incremental of 28 objects where 11 changed costs 2 probe calls + 2 x 11, not ~70.

"No change" is decided exactly as the read would see it: no record stamped after the
watermark, and the overlap window the read takes again (records committed late with an
earlier stamp) holds exactly the records the vault already has from it.
"""

from datetime import datetime

from backups.engine import tuning
from backups.engine.connection import api_quota, client_for
from jobs.models import JobLog, JobObject
from salesforce.composite import COMPOSITE_SUBREQUESTS
from salesforce.reads import ObjectReader, RetryPolicy
from vault.models import RecordVersion

_GONE = (RecordVersion.State.HARD_DELETED, RecordVersion.State.ARCHIVED)


def probe_changes(ctx, handler, job_objects: list[JobObject]) -> None:
    """Store in each probed object's cursor how many records its read will take
    (`probe`: 0 when nothing changed)."""
    queries: dict[int, str] = {}
    by_pk: dict[int, JobObject] = {}
    for job_object in job_objects:
        backup = handler.object_backup(ctx, job_object)
        soql = backup.probe_query()
        if soql:
            queries[job_object.pk] = soql
            by_pk[job_object.pk] = job_object
            job_object.cursor = backup.cursor  # holds probe_where
    if len(queries) < 2:
        return  # a single object's own COUNT() costs the same call
    org = ctx.job.org
    retry = RetryPolicy(
        base_seconds=tuning.RETRY_BASE_SECONDS,
        on_retry=lambda message: ctx.log(message, JobLog.Level.WARNING),
    )
    reader = ObjectReader.for_object(
        client_for(org, lambda: None), "composite", retry=retry, quota=api_quota(org)
    )
    answers = reader.query_many(queries)
    ctx.job.add_counters(setup_api_calls=reader.calls)
    unchanged = 0
    for pk, body in answers.items():
        job_object = by_pk[pk]
        total = _probed_total(org, job_object, body)
        unchanged += total == 0
        job_object.save_progress(cursor={**job_object.cursor, "probe": total})
    calls = -(-len(queries) // COMPOSITE_SUBREQUESTS)
    ctx.log(
        f"Asked Salesforce what changed in {len(queries)} objects with {calls} call(s): "
        f"{unchanged} have no change and will not be read."
    )


def _probed_total(org, job_object: JobObject, body: dict) -> int:
    """The number of rows the read would take, or 0 when it would bring nothing new."""
    where = job_object.cursor.get("probe_where", "")
    if not where:  # no watermark: COUNT() of every record
        return int(body.get("totalSize", 0))
    row = (body.get("records") or [{}])[0]
    total = int(row.get("expr0") or 0)
    newest = row.get("expr1")
    watermark = _moment(job_object.cursor["probe_watermark"])
    if newest and _moment(newest) > watermark:
        return total
    window_start = _moment(where.rsplit(" ", 1)[1])
    held = (
        RecordVersion.objects.filter(
            org_id=org.pk,
            object_name=job_object.object_name,
            valid_to__isnull=True,
            last_modified__gt=window_start,
        )
        .exclude(state__in=_GONE)
        .count()
    )
    return 0 if total == held else total


def _moment(text: str) -> datetime:
    """A Salesforce datetime (2024-01-31T10:20:30.000+0000, ...Z) as an aware datetime."""
    text = text.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text)
