"""Thin task wrappers: django-q2 runs export_sweep_task every hour (migration 0002)."""

from exports.services import export_sweep_expired


def export_sweep_task() -> int:
    return export_sweep_expired()
