"""The runner: owns a job's status, heartbeat, progress, logs, abort and recovery.

An operation supplies a handler (registered by its app, jobs/registry.py):

    class Handler:
        def prepare(self, ctx: JobContext) -> None        # create JobObject rows (idempotent)
        def process(self, ctx: JobContext, job_object) -> None   # one object, resumable
        def finish(self, ctx: JobContext, status: str) -> None   # publish / discard, idempotent

Flow: `job_prepare(job_id)` claims the job (queued -> in progress with one conditional
update), runs `prepare`, then fans out one task per queued JobObject (or runs them in
this process when `inline`). Each `job_object_run` claims its object the same way, calls
`process`, and the worker that sees no object left queued or in progress calls
`finish` and ends the job; `finish` and the final status change are both conditional,
so they happen once however many workers race there.

A big object can be split into Id-range chunks: `process` creates `JobObjectChunk` rows
and returns; the runner then fans out one task per queued chunk (`job_chunk_run`), which
calls `handler.process_chunk(ctx, job_object, chunk)`. The worker that finds no chunk of
the object left open calls `handler.finish_object(ctx, job_object)` (idempotent: e.g.
Composite & Sync's Id comparison and exact counters) and completes the object with a
conditional update, so it completes once however many chunk workers race there. A
failed chunk puts its object in Exception. A resumed object task re-queues its chunks
that were in progress, each resuming from its own cursor.

Handlers call `ctx.checkpoint()` between chunks: it heartbeats and raises JobAborted
when someone pressed Abort (JobEnded when the job ended meanwhile). `reap_stale_jobs()`
(the scheduler loop, `manage.py jobs_reap`) finds jobs whose heartbeat stopped: their
in-progress objects go back to the queue once to resume from their saved cursor; the
second time the job ends in error with a log line saying the worker stopped.

`inline` runs (`backup_run --wait`) need no broker; with `workers` > 1 the objects run in
that many forked processes, claimed exactly as qcluster workers claim them.
"""

import logging
import multiprocessing
import time
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django_q.tasks import async_task

from jobs import hooks, registry
from jobs.models import Job, JobLog, JobObject, JobObjectChunk
from jobs.services import job_enqueue, job_log, job_object_enqueue

if TYPE_CHECKING:
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=settings.JOBS_STALE_SECONDS)
# A queued job whose task never reached the broker (or that waits for its turn) is handed
# over again after this long (its creator may still be between commit and send).
UNSENT_AFTER = timedelta(seconds=30)
# A job whose objects are all queued (none running) may be waiting behind other work:
# it is only treated as stopped after this many times the stale delay.
WAITING_FACTOR = 15
MAX_RESUMES = 1


class JobAborted(Exception):
    """Raised at a checkpoint when the job's Abort was requested."""


class JobEnded(Exception):
    """Raised at a checkpoint when the job is no longer in progress."""


class JobMustWait(Exception):
    """Raised by a handler's `prepare` when the job cannot start yet (e.g. another backup
    of the org is writing its snapshot): the job goes back to the queue and the reaper
    sends it again shortly; an inline run (`--wait`) ends in error instead."""


class JobContext:
    def __init__(self, job: Job, job_object: JobObject | None = None, *, inline: bool = False):
        self.job = job
        self.job_object = job_object
        self.inline = inline

    def checkpoint(self) -> None:
        """Between chunks: heartbeat; stop if Abort was pressed or the job already ended
        (e.g. the reaper ended it while this worker was stalled). The status is read every
        time, so Abort stays immediate; the heartbeat itself is throttled (Job.heartbeat)."""
        self.job.heartbeat()
        state = Job.objects.filter(pk=self.job.pk).values_list("status", "abort_requested").first()
        if state is None or state[1]:
            raise JobAborted()
        if state[0] != Job.Status.IN_PROGRESS:
            raise JobEnded(f"Job {self.job.pk} already ended ({state[0]}); this worker stops.")

    def log(self, message: str, level: str = JobLog.Level.INFO, *, job_object=None) -> None:
        job_log(job=self.job, message=message, level=level, job_object=job_object)


def handler_for(job: Job):
    if not registry.is_registered(job.operation):
        raise LookupError(f"No handler runs {job.get_operation_display()} jobs.")
    return registry.get(job.operation).make_handler()


def readable(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if text.endswith(".") else f"{text}."


# --- entry points (django-q2 tasks call these with ids) --------------------------------


def job_prepare(job_id: int, *, inline: bool = False, workers: int = 1) -> None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not job.claim():
        return  # gone, or another worker (or an earlier delivery) already has it
    hooks.job_started.notify(job=job)
    ctx = JobContext(job, inline=inline)
    try:
        handler = handler_for(job)
        handler.prepare(ctx)
        ctx.checkpoint()
    except JobAborted:
        _end(ctx, None, Job.Status.ABORTED)
        return
    except JobMustWait as exc:
        if not inline:
            _wait(ctx, readable(exc))
            return
        ctx.log(f"The job failed: {readable(exc)}", JobLog.Level.ERROR)
        _end(ctx, None, Job.Status.ERROR, readable(exc))
        return
    except Exception as exc:
        logger.exception("job %s failed while preparing", job_id)
        ctx.log(f"The job failed: {readable(exc)}", JobLog.Level.ERROR)
        _end(ctx, None, Job.Status.ERROR, readable(exc))
        return
    dispatch(job, inline=inline, workers=workers)


def _wait(ctx: JobContext, reason: str) -> None:
    """Back to the queue, unsent: requeue_lost_jobs sends it again on its next pass."""
    job = ctx.job
    Job.objects.filter(pk=job.pk, status=Job.Status.IN_PROGRESS).update(
        status=Job.Status.QUEUED, started_at=None, heartbeat_at=None, enqueued_at=None
    )
    message = f"Waiting: {reason} This job starts by itself as soon as it can."
    last = JobLog.objects.filter(job=job).order_by("-id").values_list("message", flat=True).first()
    if last != message:  # said once, however many times it waits
        ctx.log(message)


def dispatch(job: Job, *, inline: bool, workers: int = 1) -> None:
    pending = list(
        JobObject.objects.filter(job=job, status=JobObject.Status.QUEUED).values_list(
            "id", flat=True
        )
    )
    if not pending:
        maybe_finish(job, inline=inline)
    elif inline and workers > 1 and _can_fork():
        _run_forked(pending, workers)
    elif inline:
        for job_object_id in pending:
            job_object_run(job_object_id, inline=True)
    else:
        job_object_enqueue(job_object_ids=pending)


def job_object_run(job_object_id: int, *, inline: bool = False, run_chunks: bool = True):
    """Run one object. Returns the ids of its queued chunks when `run_chunks` is False
    (the forked pool runs them), else an empty list."""
    job_object = JobObject.objects.select_related("job").filter(pk=job_object_id).first()
    if job_object is None or job_object.job.status != Job.Status.IN_PROGRESS:
        return []
    job = job_object.job
    if not job_object.claim():
        return []
    # Chunks left in progress belong to a worker that stopped (the object was re-queued
    # by the reaper): they run again from their saved cursors.
    JobObjectChunk.objects.filter(
        job_object=job_object, status=JobObjectChunk.Status.IN_PROGRESS
    ).update(status=JobObjectChunk.Status.QUEUED)
    ctx = JobContext(job, job_object, inline=inline)
    handler = None
    try:
        if job.abort_is_requested():
            raise JobAborted()
        handler = handler_for(job)
        handler.process(ctx, job_object)
        if not job_object.chunks.exists():
            job_object.complete()
    except JobAborted:
        job_object.fail("Stopped: the job was aborted.")
    except Exception as exc:
        _object_failed(ctx, job_object, exc)
    if handler is not None and job_object.status == JobObject.Status.IN_PROGRESS:
        chunk_ids = _queued_chunks(job_object)
        if chunk_ids and not run_chunks:
            return chunk_ids
        if chunk_ids:
            _dispatch_chunks(chunk_ids, inline=inline)
            return []
        finish_chunked_object(ctx, handler, job_object)
    maybe_finish(job, inline=inline)
    return []


def _object_failed(ctx: JobContext, job_object: JobObject, exc: Exception) -> None:
    logger.exception("job %s object %s failed", ctx.job.pk, job_object.object_name)
    job_object.fail(readable(exc))
    ctx.log(
        f"{job_object.object_name} failed: {readable(exc)}",
        JobLog.Level.ERROR,
        job_object=job_object,
    )


def _queued_chunks(job_object: JobObject) -> list[int]:
    return list(
        JobObjectChunk.objects.filter(
            job_object=job_object, status=JobObjectChunk.Status.QUEUED
        ).values_list("id", flat=True)
    )


def _dispatch_chunks(chunk_ids: list[int], *, inline: bool) -> None:
    if inline:
        for chunk_id in chunk_ids:
            job_chunk_run(chunk_id, inline=True)
        return

    def send() -> None:
        for chunk_id in chunk_ids:
            async_task("jobs.runner.job_chunk_run", chunk_id, task_name=f"job-chunk-{chunk_id}")

    transaction.on_commit(send)


def job_chunk_run(chunk_id: int, *, inline: bool = False) -> None:
    """Run one chunk of a big object (any worker); the last one completes the object."""
    chunk = JobObjectChunk.objects.select_related("job_object__job").filter(pk=chunk_id).first()
    if chunk is None:
        return
    job_object, job = chunk.job_object, chunk.job_object.job
    if job.status != Job.Status.IN_PROGRESS or job_object.status != JobObject.Status.IN_PROGRESS:
        return
    if not chunk.claim():
        return
    ctx = JobContext(job, job_object, inline=inline)
    handler = None
    try:
        if job.abort_is_requested():
            raise JobAborted()
        handler = handler_for(job)
        handler.process_chunk(ctx, job_object, chunk)
        chunk.complete()
    except JobAborted:
        chunk.fail("Stopped: the job was aborted.")
    except Exception as exc:
        logger.exception(
            "job %s object %s chunk %s failed", job.pk, job_object.object_name, chunk.index
        )
        chunk.fail(readable(exc))
        ctx.log(
            f"{job_object.object_name} (Id range {chunk.index + 1}) failed: {readable(exc)}",
            JobLog.Level.ERROR,
            job_object=job_object,
        )
    finish_chunked_object(ctx, handler or handler_for(job), job_object)
    maybe_finish(job, inline=inline)


def finish_chunked_object(ctx: JobContext, handler, job_object: JobObject) -> bool:
    """Complete (or fail) a chunked object once none of its chunks is left open.
    True only for the one caller whose conditional update completed it."""
    chunks = JobObjectChunk.objects.filter(job_object=job_object)
    open_statuses = [JobObjectChunk.Status.QUEUED, JobObjectChunk.Status.IN_PROGRESS]
    if chunks.filter(status__in=open_statuses).exists():
        return False
    job_object.refresh_from_db()
    if job_object.status != JobObject.Status.IN_PROGRESS:
        return False
    failed = chunks.filter(status=JobObjectChunk.Status.EXCEPTION).order_by("index").first()
    if failed is not None:
        total = chunks.count()
        job_object.fail(f"Id range {failed.index + 1} of {total} failed: {failed.error_message}")
        return False
    try:
        if ctx.job.abort_is_requested():
            raise JobAborted()
        handler.finish_object(ctx, job_object)
    except JobAborted:
        job_object.fail("Stopped: the job was aborted.")
        return False
    except Exception as exc:
        _object_failed(ctx, job_object, exc)
        return False
    return job_object.complete()


def _can_fork() -> bool:
    """Forked processes share a file or server database, not an in-memory one."""
    if connection.vendor != "sqlite":
        return True
    return not cast("SQLiteDatabaseWrapper", connection).is_in_memory_db()


def _run_forked(job_object_ids: list[int], workers: int) -> None:
    """Run objects in `workers` forked processes of this one (`backup_run --wait
    --workers N`): the same claims and finishing as qcluster workers, no broker. A big
    object's chunks go back into the same pool, so they run side by side."""
    connections.close_all()  # each child opens its own database connection
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, maxtasksperchild=None) as pool:
        pending = [pool.apply_async(_forked_object_run, (pk,)) for pk in job_object_ids]
        while pending:
            ready = [result for result in pending if result.ready()]
            if not ready:
                time.sleep(0.02)
                continue
            for result in ready:
                pending.remove(result)
                chunk_ids = result.get()
                pending.extend(pool.apply_async(_forked_chunk_run, (pk,)) for pk in chunk_ids)


def _forked_object_run(job_object_id: int) -> list[int]:
    try:
        return job_object_run(job_object_id, inline=True, run_chunks=False)
    finally:
        connections.close_all()


def _forked_chunk_run(chunk_id: int) -> list[int]:
    try:
        job_chunk_run(chunk_id, inline=True)
        return []
    finally:
        connections.close_all()


def maybe_finish(job: Job, *, inline: bool = False) -> None:
    """End the job if no object is left to run; safe to call from every worker."""
    open_objects = JobObject.objects.filter(
        job=job, status__in=[JobObject.Status.QUEUED, JobObject.Status.IN_PROGRESS]
    )
    if open_objects.exists():
        return
    job.refresh_from_db()
    if job.status != Job.Status.IN_PROGRESS:
        return
    if job.abort_requested:
        status = Job.Status.ABORTED
    elif JobObject.objects.filter(job=job, status=JobObject.Status.EXCEPTION).exists():
        status = Job.Status.ERROR
    else:
        status = Job.Status.COMPLETED
    _end(JobContext(job, inline=inline), None, status)


def _end(ctx: JobContext, handler, status: str, error_message: str = "") -> None:
    job = ctx.job
    try:
        (handler or handler_for(job)).finish(ctx, status)
    except Exception as exc:
        logger.exception("job %s failed while finishing", job.pk)
        ctx.log(f"The job could not be finished: {readable(exc)}", JobLog.Level.ERROR)
        status, error_message = Job.Status.ERROR, readable(exc)
    _roll_up_counters(job)
    if status == Job.Status.ERROR and not error_message:
        failed = JobObject.objects.filter(job=job, status=JobObject.Status.EXCEPTION).count()
        error_message = f"{failed} object(s) failed; see the log."
    if job.finish(status, error_message):
        labels = dict(Job.Status.choices)
        level = JobLog.Level.INFO if status == Job.Status.COMPLETED else JobLog.Level.WARNING
        ctx.log(f"Job {labels[status].lower()}.", level)
        hooks.job_finished.notify(job=job)


def _roll_up_counters(job: Job) -> None:
    totals = JobObject.objects.filter(job=job).aggregate(
        records=Sum("records"),
        added=Sum("added"),
        changed=Sum("changed"),
        deleted=Sum("deleted"),
        size_bytes=Sum("size_bytes"),
        object_api_calls=Sum("api_calls"),
    )
    object_calls = totals.pop("object_api_calls") or 0
    # Calls made while preparing (describe, catalog) are kept apart from the objects'.
    Job.objects.filter(pk=job.pk).update(
        api_calls=F("setup_api_calls") + object_calls, **{k: v or 0 for k, v in totals.items()}
    )


# --- recovery -------------------------------------------------------------------------


def reap_stale_jobs(
    *, now=None, stale_after: timedelta = STALE_AFTER, inline=False, resume: bool = True
) -> list[int]:
    """Resume (once) or end every in-progress job whose worker stopped. Returns job ids.

    With `resume=False` such jobs end in error at once."""
    now = now or timezone.now()
    reaped = requeue_lost_jobs(now=now, stale_after=stale_after, inline=inline)
    for job in Job.objects.filter(
        status=Job.Status.IN_PROGRESS, heartbeat_at__lt=now - stale_after
    ):
        if job.heartbeat_at is None:  # not reached (the filter needs one); narrows the type
            continue
        running = JobObject.objects.filter(job=job, status=JobObject.Status.IN_PROGRESS)
        has_objects = JobObject.objects.filter(job=job).exists()
        waiting = has_objects and not running.exists()
        if waiting and job.heartbeat_at >= now - stale_after * WAITING_FACTOR:
            continue  # only queued objects: they may just be waiting behind other work
        seen = job.heartbeat_at.astimezone(UTC)
        reason = f"no heartbeat since {seen:%Y-%m-%d %H:%M:%S} UTC"
        if resume and job.resumes < MAX_RESUMES:
            _resume(job, reason, inline=inline)
        else:
            _give_up(job, reason)
        reaped.append(job.pk)
    return reaped


def requeue_lost_jobs(*, now, stale_after: timedelta, inline: bool = False) -> list[int]:
    """Queued jobs with no task behind them: never sent (the process died between commit
    and send, or the broker was down), or sent so long ago that the message must be lost.
    Each is handed to the broker again; a second delivery is harmless (the claim is
    conditional), so a job is never left queued forever."""
    lost = Job.objects.filter(status=Job.Status.QUEUED, abort_requested=False).filter(
        Q(enqueued_at__isnull=True, created_at__lt=now - UNSENT_AFTER)
        | Q(enqueued_at__lt=now - stale_after * WAITING_FACTOR)
    )
    requeued = []
    for job in lost.order_by("pk"):
        waited = job.logs.filter(message__startswith="Waiting:").exists()
        if job.enqueued_at is None and not waited:
            job_log(
                job=job,
                message="This job's task never reached the workers; queued it again.",
                level=JobLog.Level.WARNING,
            )
        elif job.enqueued_at is not None:
            job_log(
                job=job,
                message="This job waited too long for a worker; queued it again.",
                level=JobLog.Level.WARNING,
            )
        if inline:
            job_prepare(job.pk, inline=True)
        else:
            Job.objects.filter(pk=job.pk).update(enqueued_at=now)  # not again next pass
            job_enqueue(job=job)
        requeued.append(job.pk)
    return requeued


def _resume(job: Job, reason: str, *, inline: bool) -> None:
    Job.objects.filter(pk=job.pk).update(resumes=job.resumes + 1, heartbeat_at=timezone.now())
    job.refresh_from_db()
    job_log(
        job=job,
        message=f"The worker running this job stopped ({reason}); resuming from the saved position.",
        level=JobLog.Level.WARNING,
    )
    if not JobObject.objects.filter(job=job).exists():
        # It died while preparing: prepare again (prepare is idempotent).
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        if inline:
            job_prepare(job.pk, inline=True)
        else:
            job_enqueue(job=job)
        return
    JobObject.objects.filter(job=job, status=JobObject.Status.IN_PROGRESS).update(
        status=JobObject.Status.QUEUED
    )
    dispatch(job, inline=inline)


def _give_up(job: Job, reason: str) -> None:
    message = f"The worker running this job stopped ({reason}); the job was ended."
    JobObject.objects.filter(
        job=job, status__in=[JobObject.Status.QUEUED, JobObject.Status.IN_PROGRESS]
    ).update(status=JobObject.Status.EXCEPTION, error_message=message, finished_at=timezone.now())
    JobObjectChunk.objects.filter(
        job_object__job=job,
        status__in=[JobObjectChunk.Status.QUEUED, JobObjectChunk.Status.IN_PROGRESS],
    ).update(
        status=JobObjectChunk.Status.EXCEPTION, error_message=message, finished_at=timezone.now()
    )
    ctx = JobContext(job)
    ctx.log(message, JobLog.Level.ERROR)
    _end(ctx, None, Job.Status.ERROR, message)
