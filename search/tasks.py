"""Thin task wrappers: django-q2 runs search_sweep_task every hour (migration 0002)."""

from search.services import search_sweep_expired


def search_sweep_task() -> int:
    return search_sweep_expired()
