"""The backup operations, as the job engine and the scheduler know them.

`register()` (from BackupsConfig.ready) adds the four operations to jobs/registry.py and
the two system schedules every connected org gets to schedules/registry.py. Start any of
them with `jobs.services.job_start(org=..., operation=COMPOSITE_BACKUP, settings=...)`;
a Templated Backup also takes `template=<ObjectTemplate>`.
"""

from datetime import time

from backups.job_settings import JobSettings
from jobs import registry
from jobs.registry import JobConfig, JobTab, OperationType

COMPOSITE_BACKUP = "composite_backup"
COMPOSITE_SYNC_BACKUP = "composite_sync_backup"
TEMPLATED_BACKUP = "templated_backup"
METADATA_BACKUP = "metadata_backup"
BACKUP_OPERATIONS = (COMPOSITE_BACKUP, COMPOSITE_SYNC_BACKUP, TEMPLATED_BACKUP, METADATA_BACKUP)

DEFAULT_COMPOSITE = "Default Composite Backup"
DEFAULT_SYNC = "Default Composite & Sync Backup"

TABS = (
    JobTab("data", "Data", "backups:job_data"),
    JobTab("metadata", "Metadata", "backups:job_metadata"),
    JobTab("settings", "Settings", "backups:job_settings"),
)
SETTINGS_FORM = "backups.forms.BackupSettingsForm"


def composite_configure(*, org, settings: dict) -> JobConfig:
    return JobConfig(
        settings=JobSettings.from_json(settings).to_json(), name=registry.label(COMPOSITE_BACKUP)
    )


def composite_sync_configure(*, org, settings: dict) -> JobConfig:
    return JobConfig(
        settings=JobSettings.from_json(settings).to_json(),
        name=registry.label(COMPOSITE_SYNC_BACKUP),
    )


def metadata_configure(*, org, settings: dict) -> JobConfig:
    return JobConfig(settings={"metadata": True}, name=registry.label(METADATA_BACKUP))


def templated_configure(*, org, settings: dict, template=None) -> JobConfig:
    """Of the job settings only Metadata applies; the job keeps a snapshot of the template."""
    from object_templates.services import template_snapshot

    if template is None:
        raise ValueError("A Templated Backup needs a template: choose one.")
    if template.org_id != org.pk:
        raise ValueError("This template belongs to another org.")
    metadata = JobSettings.from_json(settings).metadata
    return JobConfig(
        settings={
            **JobSettings(metadata=metadata).to_json(),
            "template": template_snapshot(template),
        },
        name=template.name,
        message=f"Templated Backup of template {template.name} queued.",
    )


def register() -> None:
    from schedules import recurrence as rec
    from schedules import registry as schedule_registry
    from schedules.registry import SystemSchedule

    engine = "backups.engine"
    for operation in (
        OperationType(
            name=COMPOSITE_BACKUP,
            label="Composite Backup",
            handler=f"{engine}.handler.CompositeBackupHandler",
            configure=composite_configure,
            schedulable=True,
            settings_form=SETTINGS_FORM,
            schedule_switch="scheduled_backups_enabled",
            tabs=TABS,
        ),
        OperationType(
            name=COMPOSITE_SYNC_BACKUP,
            label="Composite & Sync Backup",
            handler=f"{engine}.handler.CompositeBackupHandler",
            configure=composite_sync_configure,
            schedulable=True,
            settings_form=SETTINGS_FORM,
            schedule_switch="scheduled_backups_enabled",
            tabs=TABS,
        ),
        OperationType(
            name=TEMPLATED_BACKUP,
            label="Templated Backup",
            handler=f"{engine}.templated.TemplatedBackupHandler",
            configure=templated_configure,
            schedulable=True,
            settings_form=SETTINGS_FORM,
            schedule_switch="scheduled_backups_enabled",
            tabs=TABS,
        ),
        OperationType(
            name=METADATA_BACKUP,
            label="Metadata Backup",
            handler=f"{engine}.metadata.MetadataBackupHandler",
            configure=metadata_configure,
            tabs=TABS,
        ),
    ):
        registry.register(operation)
    every_setting = JobSettings.all_offered().to_json()
    schedule_registry.register_system_schedule(
        SystemSchedule(
            operation=COMPOSITE_BACKUP,
            name=DEFAULT_COMPOSITE,
            recurrence={"frequency": rec.DAILY, "run_at": time(1, 0)},
            frequencies=(rec.DAILY,),
            settings=every_setting,
        )
    )
    schedule_registry.register_system_schedule(
        SystemSchedule(
            operation=COMPOSITE_SYNC_BACKUP,
            name=DEFAULT_SYNC,
            recurrence={
                "frequency": rec.MONTHLY,
                "monthly_mode": rec.BY_DAY,
                "month_day": 1,
                "run_at": time(2, 0),
            },
            frequencies=(rec.MONTHLY, rec.WEEKLY),
            settings=every_setting,
        )
    )
