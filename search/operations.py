"""The search and purge operations, as the job engine knows them.

`register()` (from SearchConfig.ready) adds both to jobs/registry.py.

- "search_request": `job_start(org=..., operation=SEARCH, settings={"object": "Contact",
  "filter": "Email = 'x@y.z'", "children": ["Case"]})`.
- "purge": `job_start(org=..., operation=PURGE, settings={"purge": <Purge id>})`, only
  for an approved purge request (search.services.purge_request / purge_approve).
"""

from jobs import registry
from jobs.registry import JobConfig, OperationType

SEARCH = "search_request"
PURGE = "purge"


def search_configure(*, org, settings: dict) -> JobConfig:
    from search.engine import compile_filter
    from vault.models import RecordVersion

    object_name = str(settings.get("object") or "").strip()
    if not object_name:
        raise ValueError("Choose the object to search.")
    text = str(settings.get("filter") or "").strip()
    if not text:
        raise ValueError(f"A filter on {object_name} is required (for example Email = 'x@y.z').")
    try:
        compile_filter(text)
    except Exception as exc:
        raise ValueError(f"The filter on {object_name} is not valid SOQL: {exc}") from None
    children = [str(c).strip() for c in settings.get("children") or [] if str(c).strip()]
    children = [c for c in dict.fromkeys(children) if c != object_name]
    stored = set(
        RecordVersion.objects.filter(org=org, object_name__in=[object_name, *children])
        .values_list("object_name", flat=True)
        .distinct()
    )
    missing = [name for name in [object_name, *children] if name not in stored]
    if missing:
        raise ValueError(f"The vault holds no records of {', '.join(missing)}.")
    return JobConfig(
        settings={"object": object_name, "filter": text, "children": children},
        name=f"Search {object_name}",
        message=f"Search of {object_name} across every version queued.",
    )


def purge_configure(*, org, settings: dict) -> JobConfig:
    from search.models import Purge

    purge = Purge.objects.filter(org=org, pk=settings.get("purge") or 0).first()
    if purge is None:
        raise ValueError("There is no such purge request for this org.")
    if purge.status != Purge.Status.APPROVED or purge.job_id is not None:
        raise ValueError(f"Purge {purge.pk} is {purge.get_status_display().lower()}.")
    return JobConfig(
        settings={"purge": purge.pk},
        name=f"Purge {purge.pk}",
        message=f"Purge {purge.pk} queued.",
    )


def register() -> None:
    registry.register(
        OperationType(
            name=SEARCH,
            label="Search",
            handler="search.engine.SearchHandler",
            configure=search_configure,
            nav="search",
            list_url_name="search:search",
            list_label="Search",
        )
    )
    registry.register(
        OperationType(
            name=PURGE,
            label="Purge",
            handler="search.engine.PurgeHandler",
            configure=purge_configure,
            nav="search",
            list_url_name="search:search",
            list_label="Search",
        )
    )
