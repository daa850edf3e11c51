"""What the org's schema *now* says about restoring an object (its describe, read live).

- `field_choices(describe, backed_up) -> list[FieldChoice]` — every field of the backup:
  restorable, greyed with the reason (formula, roll-up, auto-number, system audit field,
  not updateable) or skipped (no longer in the org).
- `child_choices(describe, backed_up_objects) -> list[ChildChoice]` — the object's child
  relationships whose child object the backup holds; the ones Salesforce deletes with the
  parent carry a caution sentence.
- `record_problems(record, describe, *, creating, exists) -> list[tuple[code, message]]`
  — a correct version checked against the current schema (required fields, restricted
  picklists, lengths, lookups to records that no longer exist): the dry run's drift
  report, with the error Salesforce will answer.
"""

from collections.abc import Callable
from dataclasses import dataclass

AUDIT_FIELDS = {"CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById"}
SYSTEM_FIELDS = {"Id", "IsDeleted", "SystemModstamp", "LastActivityDate", "LastViewedDate"}
SYSTEM_FIELDS |= {"LastReferencedDate", "MasterRecordId"}


@dataclass(frozen=True)
class FieldChoice:
    name: str
    label: str
    restorable: bool
    reason: str = ""  # why it is greyed or skipped
    skipped: bool = False  # in the backup, no longer in the org


@dataclass(frozen=True)
class ChildChoice:
    object_name: str
    relationship: str
    field: str
    cascade: bool
    caution: str = ""


def greyed_reason(field: dict) -> str:
    """Why a field of the org cannot be written back now ("" when it can)."""
    name = field["name"]
    if name in AUDIT_FIELDS:
        return "system audit field (kept only where the org grants Set Audit Fields)"
    if name in SYSTEM_FIELDS:
        return "system field"
    if field.get("autoNumber"):
        return "auto-number"
    if field.get("calculated"):
        if field.get("calculatedFormula"):
            return "formula"
        return "roll-up summary or formula"
    if not field.get("updateable") and not field.get("createable"):
        return "not updateable in the org"
    if not field.get("updateable"):
        return "set only on records re-created (not updateable)"
    return ""


def field_choices(describe: dict, backed_up: list[str]) -> list[FieldChoice]:
    live = {f["name"]: f for f in describe.get("fields", [])}
    out = []
    for f in describe.get("fields", []):
        reason = greyed_reason(f)
        restorable = not reason or reason.startswith("set only")
        out.append(FieldChoice(f["name"], f.get("label") or f["name"], restorable, reason))
    for name in sorted(set(backed_up) - set(live) - {"attributes"}):
        out.append(FieldChoice(name, name, False, "no longer in the org: skipped", True))
    return out


def child_choices(describe: dict, backed_up_objects) -> list[ChildChoice]:
    parent = describe.get("name", "")
    out = []
    for rel in describe.get("childRelationships", []):
        child = rel.get("childSObject") or ""
        name = rel.get("relationshipName")
        if not name or child not in backed_up_objects or child == parent:
            continue
        cascade = bool(rel.get("cascadeDelete"))
        caution = (
            f"Salesforce deletes {child} records with their {parent}: a hard-deleted "
            f"{parent} comes back without its {name} unless they are restored with it."
            if cascade
            else ""
        )
        out.append(ChildChoice(child, name, rel.get("field") or "", cascade, caution))
    return out


def record_problems(
    record: dict,
    describe: dict,
    *,
    fields: list[str],
    creating: bool,
    exists: Callable[[str], bool],
) -> list[tuple[str, str]]:
    """The errors Salesforce would answer for writing `fields` of `record` now."""
    by_name = {f["name"]: f for f in describe.get("fields", [])}
    problems: list[tuple[str, str]] = []
    if creating:
        missing = [
            name
            for name, f in by_name.items()
            if f.get("createable")
            and not f.get("nillable")
            and not f.get("defaultedOnCreate")
            and f.get("type") not in ("boolean", "address", "location")
            and record.get(name) in (None, "")
        ]
        if missing:
            problems.append(
                ("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]")
            )
    for name in fields:
        f = by_name.get(name)
        value = record.get(name)
        if f is None or value in (None, ""):
            continue
        ftype = f.get("type")
        if ftype in ("picklist", "multipicklist") and f.get("restrictedPicklist"):
            allowed = {v.get("value") for v in f.get("picklistValues", []) if v.get("active", True)}
            values = str(value).split(";") if ftype == "multipicklist" else [str(value)]
            bad = [v for v in values if v not in allowed]
            if bad:
                problems.append(
                    (
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        f"{f.get('label') or name}: bad value for restricted picklist field: "
                        f"{bad[0]}",
                    )
                )
        elif ftype in ("string", "textarea", "email", "phone", "url") and f.get("length"):
            if len(str(value)) > int(f["length"]):
                problems.append(
                    (
                        "STRING_TOO_LONG",
                        f"{f.get('label') or name}: data value too large: {len(str(value))} "
                        f"characters (max length={f['length']})",
                    )
                )
        elif ftype == "reference" and not exists(str(value)):
            problems.append(
                (
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"invalid cross reference id: {name} points at a record that no longer exists",
                )
            )
    return problems


# ------------------------------------------------------------------ read from the org now
def describes(*, org, names) -> dict[str, dict]:
    """The org's describe of each object (one API call each)."""
    from orgs.services import org_client

    client = org_client(org)
    return {name: client.describe(name) for name in names}


def children_of(*, org, parents, backed_up) -> list[tuple[str, ChildChoice]]:
    """(parent, child choice) for the chosen parents, from the org's describe."""
    parents = [p for p in parents if p in backed_up]
    if not parents:
        return []
    found = describes(org=org, names=parents)
    return [
        (parent, child)
        for parent in parents
        for child in child_choices(found[parent], set(backed_up))
    ]


def backed_up_fields(*, org, object_name: str, seq: int, sample: int = 50) -> list[str]:
    """Field names of the object's versions in the backup (a sample of its records)."""
    from orgs.keys import org_data_key
    from vault.selectors import object_records_as_of, version_payloads

    versions = list(object_records_as_of(org=org, object_name=object_name, seq=seq)[:sample])
    payloads = version_payloads(org=org, versions=versions, data_key=org_data_key(org))
    names: dict[str, None] = {}
    for payload in payloads.values():
        names.update(dict.fromkeys(payload))
    return list(names)


def object_fields(*, org, request) -> dict[str, list[FieldChoice]]:
    found = describes(org=org, names=request.object_names)
    return {
        name: field_choices(
            found[name],
            backed_up_fields(org=org, object_name=name, seq=request.correct_seq),
        )
        for name in request.object_names
    }


def automation_choices(*, org, request) -> dict[str, list[tuple[str, str]]]:
    """{object: [(key, label)]} of the automations the run can suspend, listed from the
    org's metadata with one read for every object (restores/automations.py)."""
    from restores.automations import automations_for_objects

    found = automations_for_objects(org, request.object_names)
    return {name: [(a.key, a.label) for a in found[name]] for name in request.object_names}


def command_line(request) -> str:
    """The `restore_request` command that makes the same request."""
    parts = [
        "python manage.py restore_request",
        f"--org {request.org_id}",
        f"--correct-job {request.correct_job_id or 'J'}",
    ]
    if request.compromised_job_id:
        parts.append(f"--compromised-job {request.compromised_job_id}")
    parts.append(f"--objects {','.join(request.object_names) or 'Account'}")
    for parent, relationships in request.children.items():
        for relationship in relationships:
            parts.append(f"--children {parent}:{relationship}")
    for name, text in request.filters.items():
        parts.append(f'--filter {name}:"{text}"')
    for name, fields in request.fields.items():
        parts.append(f"--fields {name}:{','.join(fields)}")
    return " ".join(parts)
