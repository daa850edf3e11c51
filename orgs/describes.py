"""The describe cache: what backups send as If-Modified-Since, and what they use on 304.

A describe is schema (object and field names, types, lengths), which may be stored in
clear; it holds no record data."""

from orgs.models import ObjectDescribe, Org


def describe_cached(*, org: Org, object_name: str) -> tuple[dict | None, str]:
    """(the cached describe or None, its Last-Modified header)."""
    row = (
        ObjectDescribe.objects.filter(org=org, object_name=object_name)
        .values_list("describe", "last_modified")
        .first()
    )
    return (row[0], row[1]) if row else (None, "")


def describe_store(*, org: Org, object_name: str, describe: dict, last_modified: str) -> None:
    ObjectDescribe.objects.update_or_create(
        org=org,
        object_name=object_name,
        defaults={"describe": describe, "last_modified": last_modified},
    )
