"""The restore operation, as the job engine knows it.

`register()` (from RestoresConfig.ready) adds it to jobs/registry.py. Start it with
`jobs.services.job_start(org=..., operation=RESTORE, settings={"request_id": R,
"dry_run": False})`; `configure` checks that R is a valid request of this org.
"""

from jobs import registry
from jobs.registry import JobConfig, JobTab, OperationType

RESTORE = "restore"
TABS = (JobTab("review", "Review", "restores:job_review"),)


def restore_configure(*, org, settings: dict) -> JobConfig:
    from restores.models import RestoreRequest

    try:
        request_id = int(settings.get("request_id") or 0)
    except (TypeError, ValueError):
        request_id = 0
    request = RestoreRequest.objects.filter(org=org, pk=request_id).first()
    if request is None:
        raise ValueError(f"Restore request {request_id or '(none)'} is not one of this org's.")
    if request.status == RestoreRequest.Status.DRAFT:
        raise ValueError(
            f"Restore request {request.pk} is a draft: finish its steps (up to Finish) first."
        )
    if request.type == RestoreRequest.Type.METADATA and not _metadata_restore_available():
        raise ValueError(
            "Restoring metadata components is not available in this version; "
            "restore records from a backup or an archive."
        )
    if request.is_expired():
        raise ValueError(
            f"Restore request {request.pk} expired on {request.expires_at:%Y-%m-%d %H:%M} UTC "
            "(requests are valid for 7 days): create a new one."
        )
    dry_run = bool(settings.get("dry_run"))
    what = "Dry run of restore" if dry_run else "Restore"
    out: dict = {"request_id": request.pk, "dry_run": dry_run}
    if settings.get("retry_of"):
        out["retry_of"] = int(settings["retry_of"])
        what = "Retry of failed records of restore"
    return JobConfig(
        settings=out,
        name=f"{what}: {request.name}"[:200],
        message=f"{what} of request {request.pk} queued.",
    )


def _metadata_restore_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("restores.metadata_restore") is not None


def register() -> None:
    registry.register(
        OperationType(
            name=RESTORE,
            label="Restore",
            handler="restores.engine.RestoreHandler",
            configure=restore_configure,
            tabs=TABS,
            nav="restore",
            list_url_name="restores:restore",
            list_label="Restore",
        )
    )
