"""System schedules: the schedules an operation gives every connected org.

An operation app registers them from its `ready()` (backups/operations.py registers
Default Composite Backup and Default Composite & Sync Backup). They are created when an
org is connected (orgs.hooks.org_connected), can be edited within `frequencies`, and
never deleted. Which operations may be scheduled at all is jobs/registry.py's
`schedulable`.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SystemSchedule:
    operation: str
    name: str
    # RecurrenceSpec fields besides start_date (schedules/recurrence.py).
    recurrence: dict
    frequencies: tuple[str, ...]
    settings: dict = field(default_factory=dict)
    description: str = ""


_system_schedules: dict[str, SystemSchedule] = {}


def register_system_schedule(schedule: SystemSchedule) -> SystemSchedule:
    _system_schedules[schedule.operation] = schedule
    return schedule


def system_schedules() -> list[SystemSchedule]:
    return list(_system_schedules.values())


def system_schedule_for(operation: str) -> SystemSchedule | None:
    return _system_schedules.get(operation)
