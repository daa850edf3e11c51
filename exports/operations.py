"""The export operation, as the job engine knows it.

`register()` (from ExportsConfig.ready) adds it to jobs/registry.py. Start it with
`jobs.services.job_start(org=..., operation=EXPORT, settings={"as_of_job": J,
"objects": [...], "filters": {...}, "rules": {...}, "fields": {...}, "children": {...},
"include_files": false, "format": "csv"})`; `configure` checks the request, turns the
declarative filter rows ("rules": {object: [{"field", "operator", "value"}]}) into SOQL
ANDed with the object's SOQL filter, and pins the snapshot number of job J.
"""

from collections.abc import Mapping
from datetime import date

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
    archives_from, archives_to = _dates(settings)
    if archives_from is not None and as_of_job:
        raise ValueError("Export from a backup or from archives, not both.")
    objects = [str(name).strip() for name in settings.get("objects") or [] if str(name).strip()]
    if not objects:
        raise ValueError("Choose at least one object to export.")
    objects = list(dict.fromkeys(objects))
    archive_jobs: list[list[int]] = []
    if archives_from is not None and archives_to is not None:
        seq = 0
        found = selectors.archive_snapshots(org=org, date_from=archives_from, date_to=archives_to)
        if not found:
            raise ValueError(
                f"No archive job of this org finished between {archives_from} and "
                f"{archives_to}: choose other dates."
            )
        archive_jobs = [[job_id, snap] for job_id, snap in found]
        available: dict[str, int] = {}
        for _, snap in found:
            for name, n in selectors.objects_of_snapshot(org=org, seq=snap).items():
                available[name] = available.get(name, 0) + n
        source = f"the archive jobs between {archives_from} and {archives_to}"
        if settings.get("children"):
            raise ValueError("Child objects are chosen for exports from a backup only.")
    else:
        found_seq = selectors.snapshot_seq_for_job(org=org, job_id=as_of_job) if as_of_job else None
        if found_seq is None:
            raise ValueError(
                "Choose a finished backup of this org as the source: "
                f"job {as_of_job or '(none)'} has no published snapshot."
            )
        seq = found_seq
        available = selectors.objects_as_of(org=org, seq=seq)
        source = f"Job {as_of_job}'s backup"
    missing = [name for name in objects if name not in available]
    if missing:
        raise ValueError(
            f"{source[0].upper()}{source[1:]} holds no records of {', '.join(missing)}; "
            "choose objects it holds."
        )
    children = _children(settings.get("children") or {}, objects, available, as_of_job)
    exported = objects + [child for kids in children.values() for child in kids]
    filters = {k: v for k, v in (settings.get("filters") or {}).items() if str(v).strip()}
    for name, rows in (settings.get("rules") or {}).items():
        if name not in exported:
            raise ValueError(f"The filter on {name} names an object that is not exported.")
        text = declarative_text(org=org, object_name=name, rows=list(rows or []))
        if text:
            soql_text = str(filters.get(name, "")).strip()
            filters[name] = f"({_where(soql_text)}) AND ({text})" if soql_text else text
    for name, text in filters.items():
        if name not in exported:
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
        children=children,
        include_files=bool(settings.get("include_files")),
        archive_jobs=archive_jobs,
        archives_from=str(archives_from or ""),
        archives_to=str(archives_to or ""),
    )
    if archive_jobs:
        name = f"Export of archives {archives_from} to {archives_to}"
        message = f"Export of {len(objects)} object(s) from {len(archive_jobs)} archive job(s)"
    else:
        name = f"Export as of Job {as_of_job}"
        message = f"Export of {len(objects)} object(s) as of Job {as_of_job}"
    return JobConfig(settings=spec.to_json(), name=name, message=f"{message} queued.")


def _dates(settings: dict) -> tuple[date | None, date | None]:
    raw_from = str(settings.get("archives_from") or "").strip()
    raw_to = str(settings.get("archives_to") or "").strip()
    if not raw_from and not raw_to:
        return None, None
    try:
        start, end = date.fromisoformat(raw_from), date.fromisoformat(raw_to)
    except ValueError:
        raise ValueError(
            "Give the archives' From and To dates as YYYY-MM-DD (both are required)."
        ) from None
    if start > end:
        raise ValueError("The From date of the archives is after the To date.")
    return start, end


def _children(
    raw: dict, objects: list[str], available: dict, as_of_job: int
) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    seen: set[str] = set()
    for parent, kids in raw.items():
        kids = [str(c).strip() for c in kids or [] if str(c).strip()]
        if not kids:
            continue
        if parent not in objects:
            raise ValueError(f"Child objects of {parent}: choose {parent} as an object too.")
        for child in kids:
            if child in objects or child in seen:
                raise ValueError(
                    f"{child} is chosen twice: export it as an object or as a child of one "
                    "parent, not both."
                )
            if child not in available:
                raise ValueError(f"Job {as_of_job}'s backup holds no records of {child}.")
            seen.add(child)
        children[parent] = kids
    return children


def _where(text: str) -> str:
    """The condition of a SOQL filter (a whole SELECT's WHERE, or the condition itself)."""
    import soql

    if text[:6].upper() == "SELECT":
        where = soql.parse(text).where
        return soql.render_condition(where) if where is not None else "Id != null"
    return text


def declarative_text(*, org, object_name: str, rows: list[Mapping]) -> str:
    """Declarative filter rows ({"field", "operator", "value"}, ANDed) as a SOQL condition,
    values typed from the org's cached describe of the object when there is one."""
    import soql
    from orgs.describes import describe_cached

    describe, _ = describe_cached(org=org, object_name=object_name)
    types = {f["name"]: f.get("type", "") for f in (describe or {}).get("fields", [])}
    try:
        condition = soql.declarative_to_condition(rows, field_types=types)
    except soql.FilterError as exc:
        raise ValueError(f"The filter on {object_name}: {exc}") from None
    return soql.render_condition(condition) if condition is not None else ""


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
