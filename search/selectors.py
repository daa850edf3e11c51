"""Reads for search and purge; every function is scoped by an org the caller got from
orgs.selectors.org_get (another tenant's ids are 404).

- `searches(*, org)`, `search_get(*, org, search_id)`, `search_for_job(*, job)`
- `purges(*, org)`, `purge_get(*, org, purge_id)`
- `search_result_tree(*, search, data_key)` — object → record → versions (with the
  jobs whose snapshots hold them) → fields, decrypting only the versions shown.
"""

from django.shortcuts import get_object_or_404

from search.models import Purge, Search
from vault.models import RecordVersion, Snapshot
from vault.selectors import version_payloads


def searches(*, org):
    return Search.objects.filter(org=org).select_related("job")


def search_get(*, org, search_id: int) -> Search:
    return get_object_or_404(searches(org=org), pk=search_id)


def search_for_job(*, job) -> Search | None:
    return Search.objects.filter(org_id=job.org_id, job=job).first()


def purges(*, org):
    return Purge.objects.filter(org=org).select_related("requested_by", "approved_by", "job")


def purge_get(*, org, purge_id: int) -> Purge:
    return get_object_or_404(purges(org=org), pk=purge_id)


def search_result_tree(*, search: Search, data_key: bytes, limit: int = 200) -> list[dict]:
    org = search.org
    version_ids = [
        pk for records in search.results.values() for ids in records.values() for pk in ids
    ][: limit * 10]
    versions = {v.pk: v for v in RecordVersion.objects.filter(org=org, pk__in=version_ids)}
    payloads = version_payloads(org=org, versions=list(versions.values()), data_key=data_key)
    jobs = dict(Snapshot.objects.filter(org=org).values_list("seq", "job_id"))
    tree = []
    for object_name, records in search.results.items():
        rows = []
        for record_id, ids in list(records.items())[:limit]:
            shown = []
            for pk in ids:
                version = versions.get(pk)
                if version is None:
                    continue
                end = version.valid_to
                held_by = [
                    jobs[seq]
                    for seq in sorted(jobs)
                    if seq >= version.valid_from and (end is None or seq < end) and jobs[seq]
                ]
                shown.append({"version": version, "jobs": held_by, "fields": payloads.get(pk, {})})
            rows.append({"record_id": record_id, "versions": shown})
        tree.append({"object": object_name, "records": rows, "count": len(records)})
    return tree
