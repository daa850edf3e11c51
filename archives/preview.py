"""The archive preview: what a run of an archive template would do, asked of the org.

`archive_preview(*, template) -> Preview`: per object, the records the run would archive
(`SELECT COUNT()` with the template's filter, Recycle Bin excluded), how many it deletes
directly, how many Salesforce deletes with their parent (cascade), how many it keeps
(retained), and how many deletes Salesforce will refuse: for each object the archive
deletes directly, the records that have a child on a restrictedDelete relationship (the
org's describe) that the archive does not delete first — found with a semi-join query
on the org (`Id IN (SELECT ContactId FROM Case ...)`), not guessed. `api_calls` counts
the calls made.

The rows follow the run's own plan: the files of the archived links (ContentDocument,
deleted directly, and every ContentVersion with its body, deleted with its file) and the
grandchildren Salesforce deletes in cascade with a deleted child (archives/descendants.py).
Salesforce refuses a semi-join nested in another, so those are counted as the run reads
them: the parents' Ids (the links' ContentDocumentIds, the child's Ids), then a
`SELECT COUNT()` per 200 of them, 25 counts per composite call.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from archives.descendants import cascade_children, descendant_entries, descendant_plans
from object_templates.archive import (
    CASCADED,
    DELETE,
    FILE_LINK,
    KEEP,
    ObjectPlan,
    archive_plan,
    with_files,
)
from object_templates.services import OrgDescribe, object_wheres, template_snapshot
from salesforce.composite import answered, composite_queries, subrequest_error
from salesforce.errors import SalesforceApiError

REFUSAL_SAMPLE = 2_000  # Ids read per restricted relationship (the count is exact below it)
IDS_PER_COUNT = 200  # Ids in one COUNT() query's IN list (as the run reads them)


@dataclass
class PreviewRow:
    name: str
    parent: str
    action: str
    reason: str
    retain: bool
    dependency: str
    depth: int = 0
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
            "depth": self.depth,
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

    def values(self, name: str, column: str, where: str) -> set[str]:
        """Every non-empty value of one Id column of the records `where` selects (all
        pages, each a counted call)."""
        client = self.describe.client
        text = f"SELECT {column} FROM {name} WHERE {where}"  # noqa: S608
        self.calls += 1
        page = client.get_json("query/", q=text)
        out: set[str] = set()
        while True:
            out.update(r[column] for r in page.get("records", []) if r.get(column))
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return out
            self.calls += 1
            page = client.request("GET", page["nextRecordsUrl"]).json()

    def count_in(self, name: str, column: str, ids: set[str]) -> int:
        """Records of `name` whose `column` is one of `ids`: a COUNT() per 200 Ids, 25 of
        them per composite call."""
        ordered = sorted(ids)
        queries = [
            f"SELECT COUNT() FROM {name} WHERE {column} IN ("  # noqa: S608
            + ", ".join(f"'{i}'" for i in ordered[at : at + IDS_PER_COUNT])
            + ")"
            for at in range(0, len(ordered), IDS_PER_COUNT)
        ]
        client = self.describe.client

        def post(body: dict) -> dict:
            self.calls += 1
            return client.request("POST", "composite/", json=body).json()

        total = 0
        for answer in composite_queries(post, client.api_version, queries):
            body = answered(answer)
            if body is None:
                raise SalesforceApiError(
                    "COUNT_FAILED",
                    f"Salesforce could not count {name}: {subrequest_error(answer)}",
                )
            total += int(body.get("totalSize", 0))
        return total


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


def _tree_order(plans: dict[str, ObjectPlan]) -> list[ObjectPlan]:
    """Every object right after its parent: Contact, Case, CaseComment, Task..."""
    children: dict[str, list[ObjectPlan]] = defaultdict(list)
    for plan in plans.values():
        children[plan.parent if plan.parent in plans else ""].append(plan)
    out: list[ObjectPlan] = []

    def walk(parent: str) -> None:
        for plan in sorted(children[parent], key=lambda p: p.name):
            out.append(plan)
            walk(plan.name)

    walk("")
    return out


def _cascade_of(describe: OrgDescribe):
    queryable = set(describe.catalog().values())
    return lambda name: cascade_children(describe.require(name), queryable)


def archive_preview(*, template, describe: OrgDescribe | None = None) -> Preview:
    describe = describe or OrgDescribe(template.org)
    snapshot = template_snapshot(template)
    plans = archive_plan(snapshot)
    plans = with_files(
        {**plans, **descendant_plans(descendant_entries(plans, _cascade_of(describe)))}
    )
    wheres = object_wheres(snapshot)
    conditions = {
        child["name"]: child.get("condition", "")
        for entry in snapshot["objects"]
        for child in entry.get("children", [])
    }
    counter = _Counter(describe)
    rows = []
    documents: set[str] | None = None  # the archived links' files, read once
    for plan in _tree_order(plans):
        if plan.name in wheres:
            n = counter.count(plan.name, wheres[plan.name])
        elif plan.name in ("ContentDocument", "ContentVersion"):
            if documents is None:
                documents = counter.values(FILE_LINK, "ContentDocumentId", wheres[FILE_LINK])
            column = "Id" if plan.name == "ContentDocument" else "ContentDocumentId"
            n = counter.count_in(plan.name, column, documents)
        else:  # a grandchild, under the records of its parent the archive reads
            parents = counter.values(plan.parent, "Id", wheres[plan.parent])
            n = counter.count_in(plan.name, plan.field, parents)
        row = PreviewRow(
            name=plan.name,
            parent=plan.parent,
            action=plan.action,
            reason=plan.reason,
            retain=plan.retain,
            dependency=plan.dependency,
            depth=plan.depth,
            archive=n,
        )
        if plan.action == DELETE and plan.name in wheres:
            row.refused, row.refusal_reasons = (
                _refusals(counter, plans, wheres, conditions, plan.name) if n else (0, [])
            )
            row.delete_direct = n - row.refused
        elif plan.action == DELETE:
            row.delete_direct = n  # the files: nothing holds a file's delete back
        elif plan.action == CASCADED:
            row.delete_cascade = n
        elif plan.action == KEEP:
            row.kept = n
        rows.append(row)
    return Preview(rows=rows, api_calls=counter.calls, production=not template.org.is_sandbox)
