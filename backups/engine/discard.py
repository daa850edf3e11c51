"""A backup that did not complete keeps nothing: its snapshot and metadata versions are
discarded and its counters say so (0 added, changed, deleted and stored; the records it
had read stay counted as read)."""

from jobs.models import JobLog, JobObject
from vault.metadata_services import metadata_discard
from vault.services import snapshot_discard


def backup_discard(ctx, snapshot) -> None:
    job = ctx.job
    snapshot_discard(snapshot=snapshot)
    metadata_discard(org=job.org)
    # The runner rolls these up into the job's own counters after `finish`.
    JobObject.objects.filter(job=job).update(added=0, changed=0, deleted=0, size_bytes=0)
    ctx.log(
        f"Snapshot {snapshot.seq} was discarded: nothing from this job was kept, and the "
        "previous backup stays the latest.",
        JobLog.Level.WARNING,
    )
