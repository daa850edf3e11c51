"""The Templated Archive operation, as the job engine and the scheduler know it.

`register()` (from ArchivesConfig.ready) adds it to jobs/registry.py. Start it with
`jobs.services.job_start(org=..., operation=ARCHIVE, template=<archive ObjectTemplate>,
settings={"empty_recycle_bin": False})`; the job keeps a snapshot of the template, so
later edits do not change what it did. Scheduled runs stop when the org's Settings →
General "scheduled archives" switch is off (`schedule_switch`).
"""

from jobs import registry
from jobs.registry import JobConfig, JobTab, OperationType

ARCHIVE = "archive"

TABS = (
    JobTab("data", "Data", "archives:job_data"),
    JobTab("results", "Results", "archives:job_results"),
)


def archive_configure(*, org, settings: dict, template=None) -> JobConfig:
    from object_templates.models import ObjectTemplate
    from object_templates.services import template_snapshot

    if template is None:
        raise ValueError("A Templated Archive needs an archive template: choose one.")
    if template.org_id != org.pk:
        raise ValueError("This template belongs to another org.")
    if template.kind != ObjectTemplate.Kind.ARCHIVE:
        raise ValueError(f"{template.name} is a backup template: choose an archive template.")
    if not template.template_objects.exists():
        raise ValueError(f"Template {template.name} has no objects: add some first.")
    return JobConfig(
        settings={
            "template": template_snapshot(template),
            "empty_recycle_bin": bool(settings.get("empty_recycle_bin", False)),
        },
        name=template.name,
        message=f"Templated Archive of template {template.name} queued.",
    )


def register() -> None:
    registry.register(
        OperationType(
            name=ARCHIVE,
            label="Templated Archive",
            handler="archives.engine.ArchiveHandler",
            configure=archive_configure,
            schedulable=True,
            settings_form="archives.forms.ArchiveSettingsForm",
            schedule_switch="scheduled_archives_enabled",
            tabs=TABS,
        )
    )
