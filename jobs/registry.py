"""The operation registry: all the engine knows of an operation, told by the app that owns it.

Each operation app registers its operations from its `AppConfig.ready()`
(backups/apps.py is the model), so `jobs/` never imports an operation app:

    registry.register(OperationType(
        name="composite_backup",
        label="Composite Backup",
        handler="backups.engine.handler.CompositeBackupHandler",
        configure=composite_configure,          # settings and default name of a new job
        schedulable=True,
        settings_form="backups.forms.BackupSettingsForm",
        tabs=(JobTab("data", "Data", "backups:job_data"), ...),
    ))

- `handler` — the dotted path of a class with `prepare(ctx)`, `process(ctx, job_object)`
  and `finish(ctx, status)` (and `process_chunk`/`finish_object` for chunked work); see
  jobs/runner.py.
- `configure(*, org, settings: dict, **params) -> JobConfig` — checks what a caller asked
  for and answers the job's settings (JSON), default name and first log line; raises
  ValueError with a message for the user when the request is not valid.
- `schedulable`, `settings_form`, `schedule_switch` — whether schedules/ may run it, the
  form (dotted path) that edits a schedule's job settings for it, and the org setting
  that turns its scheduled runs off.
- `tabs` — the job page's tabs between Overview and Logs (url names take org_id, job_id);
  `nav`, `list_url_name`, `list_label` — the sidebar entry and the list a job page
  links back to.

`jobs.hooks.job_finished` is the matching "job finished" hook point.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class JobTab:
    key: str
    label: str
    url_name: str


@dataclass(frozen=True)
class JobConfig:
    settings: dict
    name: str
    message: str = ""


@dataclass(frozen=True)
class OperationType:
    name: str
    label: str
    handler: str
    configure: Callable[..., JobConfig] | None = None
    schedulable: bool = False
    settings_form: str = ""
    # The Org boolean field that turns this operation's scheduled runs off (Settings →
    # General: "scheduled_backups_enabled", "scheduled_archives_enabled"); "" = always on.
    schedule_switch: str = ""
    tabs: tuple[JobTab, ...] = field(default_factory=tuple)
    # Where its jobs belong in the org's navigation: the sidebar entry marked active on a
    # job page, and the page its "back" link opens (a url name taking org_id).
    nav: str = "backup_history"
    list_url_name: str = "backups:history"
    list_label: str = "History"

    def make_handler(self) -> Any:
        return import_string(self.handler)()

    def settings_form_class(self) -> Any:
        return import_string(self.settings_form) if self.settings_form else None


_operations: dict[str, OperationType] = {}


def register(operation: OperationType) -> OperationType:
    """Add an operation; registering the same name again replaces it (tests, reloads)."""
    _operations[operation.name] = operation
    return operation


def unregister(name: str) -> None:
    _operations.pop(name, None)


def get(name: str) -> OperationType:
    try:
        return _operations[name]
    except KeyError:
        raise LookupError(f"No operation {name!r} is registered.") from None


def is_registered(name: str) -> bool:
    return name in _operations


def operations(*, schedulable: bool | None = None) -> list[OperationType]:
    found = list(_operations.values())
    if schedulable is not None:
        found = [operation for operation in found if operation.schedulable == schedulable]
    return found


def label(name: str) -> str:
    """The operation's label; an operation no longer registered shows its name readably."""
    operation = _operations.get(name)
    return operation.label if operation else name.replace("_", " ").title()


def choices(*, schedulable: bool | None = None) -> list[tuple[str, str]]:
    return [(operation.name, operation.label) for operation in operations(schedulable=schedulable)]
