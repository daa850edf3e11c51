"""The export operation, as the job engine knows it.

`register()` (from ExportsConfig.ready) adds it to jobs/registry.py. Start it with
`jobs.services.job_start(org=..., operation=EXPORT, settings={"as_of_job": J,
"objects": [...], "filters": {...}, "rules": {...}, "fields": {...}, "children": {...},
"include_files": false, "format": "csv"})`; `configure` checks the request, turns the
declarative filter rows ("rules": {object: [{"field", "operator", "value"}]}) into SOQL
ANDed with the object's SOQL filter, and pins the snapshot number of job J.
"""

from collections.abc import Mapping

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
    )
    return JobConfig(
        settings=spec.to_json(),
        name=f"Export as of Job {as_of_job}",
        message=f"Export of {len(objects)} object(s) as of Job {as_of_job} queued.",
    )


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
