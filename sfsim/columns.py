"""``GET query?q=...&columns=true``: the query's columns instead of its records.

The answer Salesforce gives (and the Salesforce CLI reads before every ``sf data query``)::

    {"columnMetadata": [column, ...], "entityName": "Account", "groupBy": false,
     "idSelected": true, "keyPrefix": "001"}

with each column ``{aggregate, apexType, booleanType, columnName, custom, displayName,
foreignKeyName, insertable, joinColumns, numberType, textType, updatable}``. A parent path
(``Owner.Name``) is one column ``Owner`` whose ``joinColumns`` hold ``Name``; a child
subquery is a column with ``aggregate: true`` and the subquery's columns as
``joinColumns``; an aggregate function is ``aggregate: true`` without join columns, named
by its alias or ``exprN``.
"""

from __future__ import annotations

from sfsim.errors import SalesforceError
from soql import ast

APEX_TYPES = {
    "id": "Id",
    "reference": "Id",
    "boolean": "Boolean",
    "int": "Integer",
    "long": "Long",
    "double": "Double",
    "currency": "Decimal",
    "percent": "Decimal",
    "date": "Date",
    "datetime": "Datetime",
    "time": "Time",
    "base64": "Blob",
    "address": "Address",
    "location": "Location",
}
NUMBER_TYPES = {"int", "long", "double", "currency", "percent"}
TEXT_TYPES = {
    "string",
    "picklist",
    "multipicklist",
    "combobox",
    "textarea",
    "email",
    "phone",
    "url",
    "encryptedstring",
}


def _column(name: str, field: dict | None = None, **overrides) -> dict:
    ftype = (field or {}).get("type", "")
    column = {
        "aggregate": False,
        "apexType": APEX_TYPES.get(ftype, "String" if ftype in TEXT_TYPES else None),
        "booleanType": ftype == "boolean",
        "columnName": name,
        "custom": bool((field or {}).get("custom")),
        "displayName": name,
        "foreignKeyName": None,
        "insertable": bool((field or {}).get("createable")),
        "joinColumns": [],
        "numberType": ftype in NUMBER_TYPES,
        "textType": ftype in TEXT_TYPES,
        "updatable": bool((field or {}).get("updateable")),
    }
    column.update(overrides)
    return column


class _Columns:
    def __init__(self, org):
        self.objects = {name.lower(): od for name, od in org.objects().items()}
        self.expr = 0

    def od(self, name: str):
        od = self.objects.get(name.lower())
        if od is None:
            raise SalesforceError("INVALID_TYPE", f"sObject type '{name}' is not supported.")
        return od

    def path(self, od, path: tuple[str, ...], into: list[dict]) -> None:
        """Add ``path`` (relative to ``od``) to ``into``, merging shared relationships."""
        head = path[0]
        if len(path) == 1:
            field = od.field(head) if od is not None else None
            into.append(_column(field["name"] if field else head, field))
            return
        rel = od.relationships.get(head.lower()) if od is not None else None
        name = rel["relationshipName"] if rel else head
        column = next((c for c in into if c["columnName"] == name and c["joinColumns"]), None)
        if column is None:
            column = _column(name, None, apexType=None, foreignKeyName=None)
            into.append(column)
        # The target object; for a polymorphic one (What, Who), the first that has the field.
        targets = [self.objects.get(t.lower()) for t in (rel or {}).get("referenceTo") or []]
        targets = [t for t in targets if t is not None]
        target = next((t for t in targets if t.field(path[1]) is not None), None)
        self.path(target or (targets[0] if targets else None), path[1:], column["joinColumns"])

    def items(self, od, items) -> list[dict]:
        out: list[dict] = []
        for item in items:
            if isinstance(item, ast.FieldRef):
                self.path(od, item.path, out)
            elif isinstance(item, ast.FieldsMacro):
                for field in od.describe["fields"]:
                    wanted = item.kind == "ALL" or (item.kind == "CUSTOM") == bool(
                        field.get("custom")
                    )
                    if wanted and field["type"] not in ("address", "location"):
                        out.append(_column(field["name"], field))
            elif isinstance(item, ast.Aggregate):
                out.append(self.aggregate(od, item))
            elif isinstance(item, ast.SubQuery):
                child = od.children.get(item.query.sobject.lower()) if od else None
                child_od = self.objects.get(child["childSObject"].lower()) if child else None
                name = child["relationshipName"] if child else item.query.sobject
                joined = self.items(child_od, item.query.fields)
                out.append(_column(name, None, aggregate=True, apexType=None, joinColumns=joined))
            elif isinstance(item, ast.TypeOf):
                rel = od.relationships.get(item.field.lower()) if od else None
                name = rel["relationshipName"] if rel else item.field
                joined: list[dict] = []
                branches = [w.fields for w in item.whens] + [item.else_fields]
                for when, fields in zip([*item.whens, None], branches, strict=True):
                    target = self.objects.get(when.sobject.lower()) if when else None
                    for ref in fields:
                        if not any(c["columnName"].lower() == ref.path[-1].lower() for c in joined):
                            self.path(target, ref.path, joined)
                out.append(_column(name, None, apexType=None, joinColumns=joined))
        return out

    def aggregate(self, od, item: ast.Aggregate) -> dict:
        field = od.field(item.field.path[-1]) if od and item.field is not None else None
        if item.alias:
            name = item.alias
        else:
            name = f"expr{self.expr}"
            self.expr += 1
        inner = item.field.name if item.field is not None else ""
        apex = "Integer" if item.func in ("COUNT", "COUNT_DISTINCT") else None
        if apex is None and field is not None:
            apex = APEX_TYPES.get(field["type"], "String" if field["type"] in TEXT_TYPES else None)
            if item.func in ("SUM", "AVG") and apex in ("Integer", "Long", "Decimal"):
                apex = "Double" if item.func == "AVG" else apex
        return _column(
            name,
            None,
            aggregate=True,
            apexType=apex,
            displayName=item.alias or f"{item.func}({inner})",
            numberType=apex in ("Integer", "Long", "Double", "Decimal"),
        )


def column_metadata(org, query: ast.Query) -> dict:
    """The ``columns=true`` answer for a validated query."""
    builder = _Columns(org)
    od = builder.od(query.sobject)
    columns = [] if query.is_count else builder.items(od, query.fields)
    id_selected = any(
        isinstance(item, ast.FieldsMacro)
        or (isinstance(item, ast.FieldRef) and [p.lower() for p in item.path] == ["id"])
        for item in query.fields
    )
    return {
        "columnMetadata": columns,
        "entityName": od.name,
        "groupBy": bool(query.group_by),
        "idSelected": id_selected,
        "keyPrefix": od.key_prefix,
    }
