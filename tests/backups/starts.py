"""Short ways for tests to start backups: each is `jobs.services.job_start` with a backup
operation, as the pages and commands start them."""

from backups.job_settings import JobSettings
from backups.operations import (
    COMPOSITE_BACKUP,
    COMPOSITE_SYNC_BACKUP,
    METADATA_BACKUP,
    TEMPLATED_BACKUP,
)
from jobs.services import job_run_inline, job_start


def _settings(settings) -> dict | None:
    return settings.to_json() if hasattr(settings, "to_json") else settings


def backup_start(*, org, sync: bool = False, settings=None, **kwargs):
    operation = COMPOSITE_SYNC_BACKUP if sync else COMPOSITE_BACKUP
    return job_start(org=org, operation=operation, settings=_settings(settings), **kwargs)


def metadata_backup_start(*, org, **kwargs):
    return job_start(org=org, operation=METADATA_BACKUP, **kwargs)


def templated_backup_start(*, org, template, settings=None, **kwargs):
    return job_start(
        org=org,
        operation=TEMPLATED_BACKUP,
        template=template,
        settings=_settings(settings),
        **kwargs,
    )


def backup_run_inline(*, job, workers: int = 1):
    return job_run_inline(job=job, workers=workers)


def settings_of(job_or_schedule) -> JobSettings:
    """The backup job settings of a job or a schedule."""
    return JobSettings.from_json(job_or_schedule.settings)
