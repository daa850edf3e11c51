"""Reads for restores, always scoped by an org the caller got through
orgs.selectors.org_get(tenant=..., org_id=...).

- `request_list(*, org)`, `request_get(*, org, request_id)` (404 if not this org's).
- `run_for_job(*, job) -> RestoreRun | None`
- `records_for_job(*, job)` — the run's per-record results.
- `counts_for_job(*, job) -> dict[str, dict[str, dict[str, int]]]` — {object: {action:
  {status: n}}}.
- `backup_jobs(*, org, limit=200)` — backup jobs with a published snapshot, newest first.
- `snapshot_seq_for_job(*, org, job_id) -> int | None`
- `payloads_as_of(*, org, object_name, seq, data_key, states) -> dict[str, tuple[str,
  dict]]` — {record Id: (state, fields)} of the object's versions as of snapshot `seq`
  in the given states, decrypted a batch of versions at a time.
"""

from collections import defaultdict

from django.db.models import Count
from django.shortcuts import get_object_or_404

from jobs.models import Job
from restores.models import RestoreRecord, RestoreRequest, RestoreRun
from vault.models import RecordVersion, Snapshot
from vault.selectors import object_records_as_of, version_payloads

DECRYPT_BATCH = 2000


def request_list(*, org):
    return (
        RestoreRequest.objects.filter(org=org)
        .select_related("correct_job", "compromised_job")
        .prefetch_related("runs")
    )


def request_get(*, org, request_id: int) -> RestoreRequest:
    return get_object_or_404(request_list(org=org), pk=request_id)


def run_for_job(*, job) -> RestoreRun | None:
    return RestoreRun.objects.filter(job=job, request__org_id=job.org_id).first()


def records_for_job(*, job):
    return RestoreRecord.objects.filter(job=job, request__org_id=job.org_id)


def counts_for_job(*, job) -> dict[str, dict[str, dict[str, int]]]:
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    rows = (
        records_for_job(job=job)
        .values("object_name", "action", "status")
        .annotate(n=Count("id"))
        .order_by("object_name", "action", "status")
    )
    for row in rows:
        counts[row["object_name"]][row["action"]][row["status"]] = row["n"]
    return {name: dict(actions) for name, actions in counts.items()}


def backup_jobs(*, org, limit: int = 200) -> list[Job]:
    snapshots = (
        Snapshot.objects.filter(org=org, status=Snapshot.Status.PUBLISHED, job__isnull=False)
        .select_related("job")
        .order_by("-seq")[:limit]
    )
    return [snapshot.job for snapshot in snapshots if snapshot.job is not None]


def snapshot_seq_for_job(*, org, job_id: int) -> int | None:
    return (
        Snapshot.objects.filter(org=org, job_id=job_id, status=Snapshot.Status.PUBLISHED)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )


def payloads_as_of(
    *, org, object_name: str, seq: int, data_key: bytes, states
) -> dict[str, tuple[str, dict]]:
    versions = object_records_as_of(org=org, object_name=object_name, seq=seq).filter(
        state__in=list(states)
    )
    out: dict[str, tuple[str, dict]] = {}
    batch: list[RecordVersion] = []

    def flush() -> None:
        payloads = version_payloads(org=org, versions=batch, data_key=data_key)
        for version in batch:
            out[version.record_id] = (version.state, payloads.get(version.pk, {}))
        batch.clear()

    for version in versions.iterator(chunk_size=DECRYPT_BATCH):
        batch.append(version)
        if len(batch) >= DECRYPT_BATCH:
            flush()
    if batch:
        flush()
    return out
