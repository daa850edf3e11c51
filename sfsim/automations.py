# ruff: noqa: S608 -- SQL is built only from quoted schema identifiers; values are bound parameters
"""Automations that really run on writes, each with an active flag in the org's
``_automations`` table (kind, name): an Apex trigger, a validation rule and a flow
(active when the org is made), a workflow rule and a duplicate rule (made inactive, as
an admin would find them before switching them on). Each is switched on and off through
the Metadata API (sfsim/metadata.py) or the Tooling API. Also the server-computed fields
(autonumbers, full names, body lengths)."""

from __future__ import annotations

from sfsim import formulas
from sfsim.errors import SalesforceError

TRIGGER = "AccountRatingTrigger"
VALIDATION = "Amount_Not_Negative"
FLOW = "Case_Escalation_Task"
WORKFLOW = "Lead_Default_Source"  # a field update: LeadSource 'Web' when left empty
DUPLICATE = "Lead_Duplicate_Email"  # blocks a Lead whose Email another Lead has

TRIGGER_BODY = """trigger AccountRatingTrigger on Account (before insert, before update) {
    for (Account acc : Trigger.new) {
        if (acc.AnnualRevenue != null && acc.AnnualRevenue > 10000000) {
            acc.Rating = 'Hot';
        }
    }
}
"""
VALIDATION_FORMULA = "Amount < 0"
VALIDATION_MESSAGE = "Amount cannot be negative."
FLOW_DESCRIPTION = "Creates a follow-up Task when a Case is created with Priority High."

# kind, name, object, body, error message
DEFAULTS = (
    ("ApexTrigger", TRIGGER, "Account", TRIGGER_BODY, None),
    ("ValidationRule", VALIDATION, "Opportunity", VALIDATION_FORMULA, VALIDATION_MESSAGE),
    ("FlowDefinition", FLOW, "Case", FLOW_DESCRIPTION, None),
)
# Installed inactive: they would change the records every loader and test writes.
INACTIVE_DEFAULTS = (
    ("WorkflowRule", WORKFLOW, "Lead", "ISBLANK(TEXT(LeadSource))", None),
    ("DuplicateRule", DUPLICATE, "Lead", "Email", "Use one of these records?"),
)
PREFIXES = {
    "ApexTrigger": "01q",
    "ValidationRule": "03d",
    "FlowDefinition": "300",
    "WorkflowRule": "01Q",
    "DuplicateRule": "0Bm",
}


def install_defaults(org) -> None:
    from sfsim import ids

    now = org.now()
    with org.transaction() as conn:
        rows = [(*d, 1) for d in DEFAULTS] + [(*d, 0) for d in INACTIVE_DEFAULTS]
        for kind, name, obj, body, message, active in rows:
            org._counter += 1
            conn.execute(
                "INSERT OR IGNORE INTO _automations (id, kind, name, object, active, body, "
                "error_message, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ids.make_id(PREFIXES[kind], org.tag, org._counter),
                    kind,
                    name,
                    obj,
                    active,
                    body,
                    message,
                    now,
                    now,
                ),
            )


def is_active(org, kind: str, name: str) -> bool:
    row = (
        org.conn()
        .execute("SELECT active FROM _automations WHERE kind = ? AND name = ?", (kind, name))
        .fetchone()
    )
    return bool(row and row[0])


def set_active(org, kind: str, name: str, active: bool) -> None:
    with org.transaction() as conn:
        cur = conn.execute(
            "UPDATE _automations SET active = ?, modified = ? WHERE kind = ? AND name = ?",
            (int(active), org.now(), kind, name),
        )
        if cur.rowcount == 0:
            raise SalesforceError("NOT_FOUND", f"No {kind} named {name}", status=404)


def _active_set(org) -> set[tuple[str, str]]:
    rows = org.conn().execute("SELECT kind, name FROM _automations WHERE active = 1").fetchall()
    return {(r[0], r[1]) for r in rows}


def computed_fields(org, od, rec: dict) -> None:
    """Fields the server computes: full names, autonumbers, body sizes, derived flags."""
    name = od.name
    if name in ("Contact", "Lead", "User") and "Name" in od.fields:
        rec["Name"] = " ".join(p for p in (rec.get("FirstName"), rec.get("LastName")) if p)
    auto = {
        "Case": "CaseNumber",
        "Contract": "ContractNumber",
        "Order": "OrderNumber",
        "OrderItem": "OrderItemNumber",
    }.get(name)
    if auto and auto in od.fields and not rec.get(auto):
        number = int(org.meta(f"autonumber:{name}", 1000)) + 1
        org.set_meta(f"autonumber:{name}", number)
        rec[auto] = f"{number:08d}"
    for body_field, size_field in (("Body", "BodyLength"), ("VersionData", "ContentSize")):
        if (
            body_field in od.fields
            and size_field in od.fields
            and od.fields[body_field]["type"] == "base64"
        ):
            rec[size_field] = len(rec[body_field]) if rec.get(body_field) is not None else None
    if name == "Case" and "IsClosed" in od.fields:
        rec["IsClosed"] = int(rec.get("Status") == "Closed")
    if name == "Task" and "IsClosed" in od.fields:
        rec["IsClosed"] = int(rec.get("Status") == "Completed")
    if name == "ContentVersion" and rec.get("PathOnClient") and not rec.get("FileExtension"):
        ext = rec["PathOnClient"].rsplit(".", 1)[-1].lower() if "." in rec["PathOnClient"] else ""
        rec["FileExtension"] = ext
        rec["FileType"] = ext.upper() or "UNKNOWN"
    if od.is_mdt and rec.get("DeveloperName"):
        rec["QualifiedApiName"] = rec["DeveloperName"]
        rec.setdefault("Label", rec.get("MasterLabel"))
    formulas.compute(org, od, rec)


def before_save(org, od, rec: dict, old: dict | None) -> None:
    """Before-save triggers (AccountRatingTrigger) and workflow field updates
    (Lead_Default_Source; Salesforce applies those after the save and saves again, with
    the same stored outcome)."""
    if od.name == "Account" and (("ApexTrigger", TRIGGER) in _active_set(org)):
        revenue = rec.get("AnnualRevenue")
        if revenue is not None and revenue > 10_000_000:
            rec["Rating"] = "Hot"
    if (
        od.name == "Lead"
        and "LeadSource" in od.fields
        and not rec.get("LeadSource")
        and ("WorkflowRule", WORKFLOW) in _active_set(org)
    ):
        rec["LeadSource"] = "Web"


def duplicate_rules(org, od, rec: dict, old: dict | None) -> None:
    """Duplicate rules (Lead.Lead_Duplicate_Email, action Block on create and edit): a
    Lead whose Email another Lead not in the Recycle Bin has is refused."""
    if od.name != "Lead" or not rec.get("Email") or "Email" not in od.fields:
        return
    if old is not None and (old.get("Email") or "").lower() == rec["Email"].lower():
        return
    if ("DuplicateRule", DUPLICATE) not in _active_set(org):
        return
    found = (
        org.conn()
        .execute(
            'SELECT "Id" FROM "o_Lead" WHERE lower("Email") = lower(?) AND "Id" != ? '
            'AND IFNULL("IsDeleted", 0) = 0 LIMIT 1',
            (rec["Email"], rec.get("Id") or ""),
        )
        .fetchone()
    )
    if found:
        raise SalesforceError(
            "DUPLICATES_DETECTED",
            "Use one of these records? (duplicate rule Lead_Duplicate_Email)",
            [],
        )


def validation_rules(org, od, rec: dict, old: dict | None) -> None:
    """Custom validation rules (Opportunity.Amount_Not_Negative), then duplicate rules."""
    duplicate_rules(org, od, rec, old)
    if od.name != "Opportunity":
        return
    row = (
        org.conn()
        .execute(
            "SELECT active, error_message FROM _automations WHERE kind = 'ValidationRule' "
            "AND name = ?",
            (VALIDATION,),
        )
        .fetchone()
    )
    if row and row[0] and rec.get("Amount") is not None and rec["Amount"] < 0:
        raise SalesforceError("FIELD_CUSTOM_VALIDATION_EXCEPTION", row[1] or VALIDATION_MESSAGE, [])


def after_save(org, od, rec: dict, old: dict | None, user) -> None:
    """Record-triggered flows (Case_Escalation_Task on Case insert with Priority High)."""
    if (
        od.name == "Case"
        and old is None
        and rec.get("Priority") == "High"
        and ("FlowDefinition", FLOW) in _active_set(org)
        and "Task" in org.objects()
    ):
        values = {
            "Subject": f"Follow up on escalated case {rec.get('CaseNumber') or ''}".strip(),
            "WhatId": rec["Id"],
            "Priority": "High",
            "Status": "Not Started",
            "ActivityDate": org.sim.clock.now().date().isoformat(),
        }
        if rec.get("OwnerId"):
            values["OwnerId"] = rec["OwnerId"]
        org.create("Task", values, user, system=True)


def content_version_inserted(org, od, rec: dict, user) -> None:
    """ContentVersion insert without ContentDocumentId creates its ContentDocument (and a
    link to FirstPublishLocationId); a new version of a document becomes its latest."""
    objs = org.objects()
    cdod = objs.get("ContentDocument")
    if cdod is None:
        return
    if rec.get("ContentDocumentId"):
        org.conn().execute(
            'UPDATE "o_ContentVersion" SET "IsLatest" = 0 WHERE '
            '"ContentDocumentId" = ? AND "Id" != ?',
            (rec["ContentDocumentId"], rec["Id"]),
        )
        count = (
            org.conn()
            .execute(
                'SELECT COUNT(*) FROM "o_ContentVersion" WHERE "ContentDocumentId" = ?',
                (rec["ContentDocumentId"],),
            )
            .fetchone()[0]
        )
        org.touch(od, rec["Id"], {"IsLatest": 1, "VersionNumber": str(count)})
        org.touch(
            cdod,
            rec["ContentDocumentId"],
            {
                "LatestPublishedVersionId": rec["Id"],
                "Title": rec.get("Title"),
                "ContentSize": rec.get("ContentSize"),
                "LastModifiedDate": org.now(),
            },
        )
        return
    doc_id = org.create(
        "ContentDocument",
        {
            "Title": rec.get("Title"),
            "OwnerId": rec.get("OwnerId"),
            "FileType": rec.get("FileType"),
            "FileExtension": rec.get("FileExtension"),
            "ContentSize": rec.get("ContentSize"),
            "LatestPublishedVersionId": rec["Id"],
        },
        user,
        system=True,
    )
    org.touch(od, rec["Id"], {"ContentDocumentId": doc_id, "IsLatest": 1, "VersionNumber": "1"})
    rec["ContentDocumentId"] = doc_id
    if rec.get("FirstPublishLocationId") and "ContentDocumentLink" in objs:
        org.create(
            "ContentDocumentLink",
            {
                "LinkedEntityId": rec["FirstPublishLocationId"],
                "ContentDocumentId": doc_id,
                "ShareType": "V",
            },
            user,
            system=True,
        )
