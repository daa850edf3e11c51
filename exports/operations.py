"""The export operation, as the job engine knows it.

`register()` (from ExportsConfig.ready) adds it to jobs/registry.py. Start it with
`jobs.services.job_start(org=..., operation=EXPORT, settings={"as_of_job": J,
"objects": [...], "filters": {...}, "fields": {...}, "format": "csv"})`; `configure`
checks the request and pins the snapshot number of job J.
"""

from exports.job_settings import RECORDS_PER_FILE, ExportSettings
from jobs import registry
from jobs.registry import JobConfig, JobTab, OperationType

EXPORT = "export"
FORMATS = ("csv", "parquet")
TABS = (JobTab("download", "Download", "exports:job_download"),)


def export_configure(*, org, settings: dict) -> JobConfig:
    from exports import selectors
    from exports.engine import compile_filter

    try:
        as_of_job = int(settings.get("as_of_job") or 0)
    except (TypeError, ValueError):
        as_of_job = 0
    seq = selectors.snapshot_seq_for_job(org=org, job_id=as_of_job) if as_of_job else None
    if seq is None:
        raise ValueError(
            "Choose a finished backup of this org as the source: "
            f"job {as_of_job or '(none)'} has no published snapshot."
        )
    objects = [str(name).strip() for name in settings.get("objects") or [] if str(name).strip()]
    if not objects:
        raise ValueError("Choose at least one object to export.")
    objects = list(dict.fromkeys(objects))
    available = selectors.objects_as_of(org=org, seq=seq)
    missing = [name for name in objects if name not in available]
    if missing:
        raise ValueError(
            f"Job {as_of_job}'s backup holds no records of {', '.join(missing)}; "
            "choose objects it backed up."
        )
    filters = {k: v for k, v in (settings.get("filters") or {}).items() if str(v).strip()}
    for name, text in filters.items():
        if name not in objects:
            raise ValueError(f"The filter on {name} names an object that is not exported.")
        try:
            compile_filter(str(text))
        except Exception as exc:
            raise ValueError(f"The filter on {name} is not valid SOQL: {exc}") from None
    fields = {k: list(v) for k, v in (settings.get("fields") or {}).items() if v}
    export_format = str(settings.get("format") or "csv")
    if export_format not in FORMATS:
        raise ValueError(f"Unknown format {export_format!r}: choose csv or parquet.")
    records_per_file = int(settings.get("records_per_file") or RECORDS_PER_FILE)
    if records_per_file < 1:
        raise ValueError("Records per file must be at least 1.")
    spec = ExportSettings(
        as_of_job=as_of_job,
        seq=seq,
        objects=objects,
        filters=filters,
        fields=fields,
        format=export_format,
        records_per_file=records_per_file,
    )
    return JobConfig(
        settings=spec.to_json(),
        name=f"Export as of Job {as_of_job}",
        message=f"Export of {len(objects)} object(s) as of Job {as_of_job} queued.",
    )


def register() -> None:
    registry.register(
        OperationType(
            name=EXPORT,
            label="Export",
            handler="exports.engine.ExportHandler",
            configure=export_configure,
            tabs=TABS,
            nav="export",
            list_url_name="exports:export",
            list_label="Export",
        )
    )
