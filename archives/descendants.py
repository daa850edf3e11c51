"""Grandchildren an archive takes along: the children Salesforce deletes in cascade with
a child the archive deletes (e.g. Contact -> Case -> CaseComment, Account -> Opportunity
-> OpportunityLineItem). The run archives them (read by their parents' Ids) and the
preview counts them, both from these rules so that the two never disagree.

- `cascade_children(describe, queryable) -> [(child object, field)]` — the cascadeDelete
  relationships of one described object whose child this org lets us query.
- `descendant_entries(plans, cascade_of) -> [{"name", "parent", "field"}]` — one entry
  per grandchild object, under the first child (by name) that takes it along.
- `descendant_plans(entries) -> {name: ObjectPlan}` — their plans (deleted in cascade).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from object_templates.archive import CASCADE, CASCADED, FILE_LINK, KEEP, ObjectPlan, with_files

# Children that are not data an admin archives (the org keeps or rebuilds them).
_NOISE_SUFFIXES = ("Share", "History", "Feed", "ChangeEvent")


def cascade_children(describe: dict, queryable: Collection[str]) -> list[tuple[str, str]]:
    return sorted(
        {
            (r["childSObject"], r["field"])
            for r in describe.get("childRelationships", [])
            if r.get("cascadeDelete")
            and r.get("childSObject") in queryable
            and r.get("field") not in ("CreatedById", "LastModifiedById")
            and not r["childSObject"].endswith(_NOISE_SUFFIXES)
        }
    )


def descendant_entries(
    plans: dict[str, ObjectPlan], cascade_of: Callable[[str], list[tuple[str, str]]]
) -> list[dict]:
    """Children of the deleted (not retained) first-level children; the links' files are
    with_files' own rows, and an object already in the plan keeps its place."""
    names = set(with_files(plans))
    found = []
    for plan in sorted(plans.values(), key=lambda p: p.name):
        if plan.depth != 1 or plan.action == KEEP or plan.name == FILE_LINK:
            continue
        for child, field in cascade_of(plan.name):
            if child not in names:
                names.add(child)
                found.append({"name": child, "parent": plan.name, "field": field})
    return found


def descendant_plans(entries: list[dict]) -> dict[str, ObjectPlan]:
    return {
        d["name"]: ObjectPlan(
            name=d["name"],
            action=CASCADED,
            reason=f"Deleted by Salesforce with its {d['parent']} (cascade delete).",
            parent=d["parent"],
            field=d["field"],
            dependency=CASCADE,
            depth=2,
        )
        for d in entries
    }
