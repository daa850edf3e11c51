"""The archive preview: what a run of an archive template would do, asked of the org.

`archive_preview(*, template) -> Preview`: per object, the records the run would archive
(`SELECT COUNT()` with the template's filter, Recycle Bin excluded), how many it deletes
directly, how many Salesforce deletes with their parent (cascade), how many it keeps
(retained), and how many deletes Salesforce will refuse: for each object the archive
deletes directly, the records that have a child on a restrictedDelete relationship (the
org's describe) that the archive does not delete first — found with a semi-join query
on the org (`Id IN (SELECT ContactId FROM Case ...)`), not guessed. `api_calls` counts
the calls made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from object_templates.archive import CASCADED, DELETE, KEEP, archive_plan
from object_templates.services import OrgDescribe, object_wheres, template_snapshot

REFUSAL_SAMPLE = 2_000  # Ids read per restricted relationship (the count is exact below it)


@dataclass
class PreviewRow:
    name: str
    parent: str
    action: str
    reason: str
    retain: bool
    dependency: str
    archive: int = 0
    delete_direct: int = 0
    delete_cascade: int = 0
    kept: int = 0
    refused: int = 0
    refusal_reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "object": self.name,
            "parent": self.parent,
            "action": self.action,
            "reason": self.reason,
            "retain": self.retain,
            "archive": self.archive,
            "delete_direct": self.delete_direct,
            "delete_cascade": self.delete_cascade,
            "kept": self.kept,
            "refused": self.refused,
            "refusal_reasons": self.refusal_reasons,
        }


@dataclass
class Preview:
    rows: list[PreviewRow]
    api_calls: int
    production: bool

    def totals(self) -> dict[str, int]:
        keys = ("archive", "delete_direct", "delete_cascade", "kept", "refused")
        return {k: sum(getattr(r, k) for r in self.rows) for k in keys}

    def to_json(self) -> dict:
        return {
            "objects": [r.to_json() for r in self.rows],
            "totals": self.totals(),
            "api_calls": self.api_calls,
            "production": self.production,
        }


class _Counter:
    def __init__(self, describe: OrgDescribe):
        self.describe = describe
        self.calls = 0

    def count(self, name: str, where: str) -> int:
        text = f"SELECT COUNT() FROM {name}"  # noqa: S608 - names from the describe
        if where:
            text += f" WHERE {where}"
        self.calls += 1
        return int(self.describe.client.get_json("query/", q=text).get("totalSize", 0))

    def ids(self, name: str, where: str) -> set[str]:
        text = f"SELECT Id FROM {name} WHERE {where} LIMIT {REFUSAL_SAMPLE}"  # noqa: S608
        self.calls += 1
        body = self.describe.client.get_json("query/", q=text)
        return {r["Id"] for r in body.get("records", [])}


def _refusals(
    counter: _Counter, plans, wheres, conditions: dict[str, str], name: str
) -> tuple[int, list[str]]:
    describe = counter.describe
    refused: set[str] = set()
    reasons = []
    where = wheres.get(name, "")
    for rel in describe.require(name).get("childRelationships", []):
        child, fld = rel.get("childSObject", ""), rel.get("field", "")
        if not rel.get("restrictedDelete") or child.lower() not in describe.catalog():
            continue
        if fld not in {f["name"] for f in describe.require(child).get("fields", [])}:
            continue  # the org's child object has no such field: nothing can point here
        inner = f"SELECT {fld} FROM {child}"  # noqa: S608
        child_plan = plans.get(child)
        if child_plan and child_plan.parent == name and child_plan.action in (DELETE, CASCADED):
            # The archive deletes these children first: only those its filter leaves out
            # still hold the parent back.
            child_condition = conditions.get(child, "")
            if not child_condition:
                continue
            inner += f" WHERE NOT ({child_condition})"
        semi = f"Id IN ({inner})"
        found = counter.ids(name, f"({where}) AND {semi}" if where else semi)
        if found:
            label = describe.require(child).get("labelPlural", child)
            reasons.append(f"{len(found)} with {label} ({child}.{fld}) that the archive keeps")
            refused |= found
    return len(refused), reasons


def archive_preview(*, template, describe: OrgDescribe | None = None) -> Preview:
    describe = describe or OrgDescribe(template.org)
    snapshot = template_snapshot(template)
    plans = archive_plan(snapshot)
    wheres = object_wheres(snapshot)
    conditions = {
        child["name"]: child.get("condition", "")
        for entry in snapshot["objects"]
        for child in entry.get("children", [])
    }
    counter = _Counter(describe)
    rows = []
    for plan in sorted(plans.values(), key=lambda p: (p.depth, p.parent, p.name)):
        n = counter.count(plan.name, wheres.get(plan.name, ""))
        row = PreviewRow(
            name=plan.name,
            parent=plan.parent,
            action=plan.action,
            reason=plan.reason,
            retain=plan.retain,
            dependency=plan.dependency,
            archive=n,
        )
        if plan.action == DELETE:
            row.refused, row.refusal_reasons = (
                _refusals(counter, plans, wheres, conditions, plan.name) if n else (0, [])
            )
            row.delete_direct = n - row.refused
        elif plan.action == CASCADED:
            row.delete_cascade = n
        elif plan.action == KEEP:
            row.kept = n
        rows.append(row)
    return Preview(rows=rows, api_calls=counter.calls, production=not template.org.is_sandbox)
