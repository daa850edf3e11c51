"""Tooling API over the org's automations and Apex classes: query and update."""

from __future__ import annotations

import soql
from sfsim import automations
from sfsim.errors import SalesforceError
from sfsim.schema import API_VERSION
from sfsim.versions import data_path
from soql import ast

TOOLING_OBJECTS = ("ApexTrigger", "ApexClass", "ValidationRule", "FlowDefinition", "Flow")


def _flow_version_id(definition_id: str) -> str:
    return "301" + definition_id[3:]


def tooling_records(org, sobject: str) -> list[dict]:
    """Every record of a Tooling object as a flat dict (API names, JSON values)."""
    conn = org.conn()
    out = []
    if sobject == "ApexClass":
        rows = conn.execute(
            "SELECT id, full_name, content, created, modified FROM _metadata "
            "WHERE type = 'ApexClass' ORDER BY full_name"
        ).fetchall()
        for rid, name, body, created, modified in rows:
            text = bytes(body or b"").decode()
            out.append(
                {
                    "Id": rid,
                    "Name": name,
                    "Body": text,
                    "Status": "Active",
                    "ApiVersion": float(API_VERSION),
                    "IsValid": True,
                    "NamespacePrefix": None,
                    "LengthWithoutComments": len(text),
                    "CreatedDate": created,
                    "LastModifiedDate": modified,
                }
            )
        return out
    kind = {"Flow": "FlowDefinition"}.get(sobject, sobject)
    rows = conn.execute(
        "SELECT id, name, object, active, body, error_message, created, "
        "modified FROM _automations WHERE kind = ? ORDER BY name",
        (kind,),
    ).fetchall()
    for rid, name, obj, active, body, message, created, modified in rows:
        common = {"CreatedDate": created, "LastModifiedDate": modified}
        if sobject == "ApexTrigger":
            out.append(
                {
                    "Id": rid,
                    "Name": name,
                    "Status": "Active" if active else "Inactive",
                    "TableEnumOrId": obj,
                    "Body": body,
                    "ApiVersion": float(API_VERSION),
                    "UsageBeforeInsert": True,
                    "UsageBeforeUpdate": True,
                    "IsValid": True,
                    "NamespacePrefix": None,
                    "LengthWithoutComments": len(body),
                    **common,
                }
            )
        elif sobject == "ValidationRule":
            out.append(
                {
                    "Id": rid,
                    "ValidationName": name,
                    "Active": bool(active),
                    "EntityDefinitionId": obj,
                    "ErrorMessage": message,
                    "ErrorDisplayField": None,
                    "Description": f"Rejects {body}",
                    "NamespacePrefix": None,
                    **common,
                }
            )
        elif sobject == "FlowDefinition":
            version = _flow_version_id(rid)
            out.append(
                {
                    "Id": rid,
                    "DeveloperName": name,
                    "MasterLabel": name.replace("_", " "),
                    "ActiveVersionId": version if active else None,
                    "LatestVersionId": version,
                    "Description": body,
                    "NamespacePrefix": None,
                    **common,
                }
            )
        elif sobject == "Flow":
            out.append(
                {
                    "Id": _flow_version_id(rid),
                    "DefinitionId": rid,
                    "MasterLabel": name.replace("_", " "),
                    "VersionNumber": 1,
                    "Status": "Active" if active else "Obsolete",
                    "ProcessType": "AutoLaunchedFlow",
                    "Description": body,
                    **common,
                }
            )
    return out


def tooling_query(org, text: str) -> dict:
    """Query response body ({size, totalSize, done, records, entityTypeName, queryLocator})."""
    try:
        query = soql.parse(text)
    except soql.SoqlError as exc:
        raise SalesforceError(exc.error_code, exc.salesforce_message()) from None
    name = next((n for n in TOOLING_OBJECTS if n.lower() == query.sobject.lower()), None)
    if name is None:
        raise SalesforceError(
            "INVALID_TYPE",
            f"sObject type '{query.sobject}' is not "
            "supported. If you are attempting to use a custom object, be "
            "sure to append the '__c' after the entity name. Please "
            "reference your WSDL or the describe call for the appropriate "
            "names.",
        )
    records = tooling_records(org, name)
    known = {k.lower(): k for k in (records[0] if records else {"Id": None})}

    def getter_for(rec):
        lowered = {k.lower(): v for k, v in rec.items()}
        return lambda path: lowered.get(path[-1].lower())

    if query.where is not None:
        pred = soql.compile_condition(query.where, now=org.sim.clock.now())
        records = [r for r in records if pred(getter_for(r))]
    if query.order_by:
        key = soql.order_key(query.order_by)
        records.sort(key=lambda r: key(getter_for(r)))
    records = records[query.offset or 0 :]
    if query.limit is not None:
        records = records[: query.limit]
    if query.is_count:
        return {
            "size": len(records),
            "totalSize": len(records),
            "done": True,
            "queryLocator": None,
            "entityTypeName": name,
            "records": [],
        }
    shaped = []
    for rec in records:
        out = {
            "attributes": {
                "type": name,
                "url": f"{data_path()}/tooling/sobjects/{name}/{rec['Id']}",
            }
        }
        for item in query.fields:
            if isinstance(item, ast.FieldsMacro):
                out.update(rec)
                continue
            if not isinstance(item, ast.FieldRef):
                continue
            field = known.get(item.path[-1].lower()) if records else item.path[-1]
            if field is None:
                raise SalesforceError(
                    "INVALID_FIELD", f"No such column '{item.name}' on entity '{name}'."
                )
            out[field] = rec.get(field)
        shaped.append(out)
    return {
        "size": len(shaped),
        "totalSize": len(shaped),
        "done": True,
        "queryLocator": None,
        "entityTypeName": name,
        "records": shaped,
    }


def tooling_update(org, object_name: str, record_id: str, values: dict, user) -> None:
    """Activate or deactivate an automation: ApexTrigger {"Status": "Inactive"},
    ValidationRule {"Active": false} or {"Metadata": {"active": false}}, FlowDefinition
    {"Metadata": {"activeVersionNumber": 0}} (or {"ActiveVersionId": null})."""
    name = next((n for n in TOOLING_OBJECTS if n.lower() == object_name.lower()), None)
    if name is None or name == "ApexClass" or name == "Flow":
        raise SalesforceError(
            "INVALID_TYPE",
            f"sObject type '{object_name}' cannot be updated through this simulator's Tooling API.",
        )
    if user is not None and "ModifyAllData" not in org.permissions(user):
        raise SalesforceError(
            "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id"
        )
    rec = next((r for r in tooling_records(org, name) if r["Id"][:15] == str(record_id)[:15]), None)
    if rec is None:
        raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
    meta = values.get("Metadata") or {}
    if name == "ApexTrigger":
        status = values.get("Status", meta.get("status"))
        if status is not None:
            automations.set_active(org, name, rec["Name"], status == "Active")
    elif name == "ValidationRule":
        active = values.get("Active", meta.get("active"))
        if active is not None:
            automations.set_active(org, name, rec["ValidationName"], bool(active))
        if meta.get("errorMessage"):
            with org.transaction() as conn:
                conn.execute(
                    "UPDATE _automations SET error_message = ? WHERE id = ?",
                    (meta["errorMessage"], rec["Id"]),
                )
    elif name == "FlowDefinition":
        if "activeVersionNumber" in meta:
            automations.set_active(
                org, name, rec["DeveloperName"], bool(meta["activeVersionNumber"])
            )
        elif "ActiveVersionId" in values:
            automations.set_active(org, name, rec["DeveloperName"], bool(values["ActiveVersionId"]))


def tooling_name(name: str) -> str:
    """The Tooling object's name as Salesforce spells it; 404 NOT_FOUND for other types
    (the Salesforce CLI probes ``SourceMember`` and relies on that answer)."""
    found = next((n for n in TOOLING_OBJECTS if n.lower() == str(name).lower()), None)
    if found is None:
        raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
    return found


_KEY_PREFIXES = {
    "ApexClass": "01p",
    "ApexTrigger": "01q",
    "ValidationRule": "03d",
    "FlowDefinition": "300",
    "Flow": "301",
}
_UPDATEABLE = {
    "ApexTrigger": {"Status"},
    "ValidationRule": {"Active", "ErrorMessage"},
    "FlowDefinition": {"ActiveVersionId"},
}


def _field_type(name: str, value) -> str:
    if name == "Id":
        return "id"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if name.endswith("Date"):
        return "datetime"
    if name.endswith("Id") and name != "EntityDefinitionId":
        return "reference"
    if name == "Body":
        return "textarea"
    return "string"


def tooling_fields(org, name: str) -> list[dict]:
    """Field describes of a Tooling object, from what its records carry."""
    records = tooling_records(org, name)
    sample = {key: None for r in records for key in r}
    for record in records:
        for key, value in record.items():
            if value is not None and sample[key] is None:
                sample[key] = value
    fields = []
    for field_name, value in (sample or {"Id": None}).items():
        ftype = _field_type(field_name, value)
        fields.append(
            {
                "name": field_name,
                "label": field_name,
                "type": ftype,
                "custom": False,
                "createable": False,
                "updateable": field_name in _UPDATEABLE.get(name, ()),
                "nillable": field_name != "Id",
                "filterable": ftype != "textarea",
                "sortable": ftype != "textarea",
                "referenceTo": [] if ftype != "reference" else ["FlowVersion"],
                "relationshipName": None,
            }
        )
    return fields


def tooling_describe(org, name: str) -> dict:
    name = tooling_name(name)
    base = f"{data_path()}/tooling/sobjects/{name}"
    return {
        "name": name,
        "label": name,
        "labelPlural": name + "s",
        "keyPrefix": _KEY_PREFIXES.get(name),
        "custom": False,
        "createable": False,
        "updateable": name in _UPDATEABLE,
        "deletable": False,
        "queryable": True,
        "retrieveable": True,
        "searchable": False,
        "fields": tooling_fields(org, name),
        "childRelationships": [],
        "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
    }


def tooling_global() -> dict:
    entries = []
    for name in TOOLING_OBJECTS:
        base = f"{data_path()}/tooling/sobjects/{name}"
        entries.append(
            {
                "name": name,
                "label": name,
                "keyPrefix": _KEY_PREFIXES.get(name),
                "custom": False,
                "queryable": True,
                "urls": {"sobject": base, "describe": f"{base}/describe"},
            }
        )
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": entries}


def tooling_get(org, name: str, record_id: str) -> dict:
    name = tooling_name(name)
    rec = next((r for r in tooling_records(org, name) if r["Id"][:15] == str(record_id)[:15]), None)
    if rec is None:
        raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
    url = f"{data_path()}/tooling/sobjects/{name}/{rec['Id']}"
    return {"attributes": {"type": name, "url": url}, **rec}


def tooling_columns(org, text: str) -> dict:
    """``tooling/query?columns=true``: column metadata of a Tooling query."""
    from sfsim.columns import _column

    try:
        query = soql.parse(text)
    except soql.SoqlError as exc:
        raise SalesforceError(exc.error_code, exc.salesforce_message()) from None
    name = next((n for n in TOOLING_OBJECTS if n.lower() == query.sobject.lower()), None)
    if name is None:
        tooling_query(org, text)  # raises Salesforce's INVALID_TYPE
    fields = {f["name"].lower(): f for f in tooling_fields(org, name)}
    columns = []
    for item in query.fields:
        if isinstance(item, ast.FieldsMacro):
            columns.extend(_column(f["name"], f) for f in fields.values())
        elif isinstance(item, ast.FieldRef):
            field = fields.get(item.path[-1].lower())
            if field is None:
                raise SalesforceError(
                    "INVALID_FIELD", f"No such column '{item.name}' on entity '{name}'."
                )
            columns.append(_column(field["name"], field))
    return {
        "columnMetadata": columns,
        "entityName": name,
        "groupBy": False,
        "idSelected": "id" in {c["columnName"].lower() for c in columns},
        "keyPrefix": _KEY_PREFIXES.get(name),
    }
