"""django-q2 tasks of restores (thin: each calls a service)."""

from restores.automations import automations_sweep


def automations_sweep_task() -> int:
    """Scheduled every 5 minutes by migration 0004: automations ended jobs left off."""
    return automations_sweep()
