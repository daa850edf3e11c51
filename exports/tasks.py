"""Thin task wrappers (django-q2 or the scheduler loop call them)."""

from exports.services import export_sweep_expired


def export_sweep_task() -> int:
    return export_sweep_expired()
