"""Thin task wrappers: django-q2 runs search_sweep_task every hour (migration 0002)."""

from search.services import purge_retry_waiting, search_sweep_expired


def search_sweep_task() -> int:
    # The same hourly run retries the purges whose S3 Object Lock has expired.
    purge_retry_waiting()
    return search_sweep_expired()
