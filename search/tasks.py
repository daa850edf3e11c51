"""Thin task wrappers: django-q2 runs search_sweep_task every hour (migration 0002);
index_pending_task is queued when a job that wrote segments finishes
(search.receivers)."""

from orgs.keys import org_data_key
from orgs.models import Org
from search.blind_index import index_pending
from search.services import purge_retry_waiting, search_sweep_expired


def index_pending_task(org_id: int) -> dict[str, int]:
    org = Org.objects.filter(pk=org_id).first()
    if org is None:
        return {}  # deleted since the job finished
    return index_pending(org=org, data_key=org_data_key(org))


def search_sweep_task() -> int:
    # The same hourly run retries the purges whose S3 Object Lock has expired.
    purge_retry_waiting()
    return search_sweep_expired()
