"""Check a parsed query against the org's schema, raising Salesforce's errors.

``describe(name)`` returns the ``sobjects/{name}/describe`` dict for an object name (matching
names case-insensitively is the caller's job) or None when there is no such object. Used
keys: ``name``, ``fields[].name/type/referenceTo/relationshipName``,
``childRelationships[].relationshipName/childSObject``.

Errors (all :class:`SoqlFieldError`, positioned with Salesforce's caret block):
- ``INVALID_TYPE``: unknown FROM object; unknown child relationship in a subquery.
- ``INVALID_FIELD``: unknown field or relationship in a path; a filter value of the wrong
  type (``value of filter criterion for field 'X' must be of type boolean and should not be
  enclosed in quotes``); INCLUDES/EXCLUDES on a field that is not a multi-select picklist.
  Fields whose describe says ``filterable``/``sortable``/``groupable: false`` in WHERE,
  ORDER BY or GROUP BY (``field 'Description' can not be filtered in a query call``).
- ``MALFORMED_QUERY``: a selected field that is neither grouped nor aggregated in an
  aggregate query; FIELDS(ALL)/FIELDS(CUSTOM) without ``LIMIT`` of at most 200; SUM/AVG of
  a non-numeric field or any aggregate of a non-aggregatable one
  (``field Name does not support aggregate operator SUM``).

A relationship whose target object ``describe`` does not know is accepted without checking
the rest of the path (the simulator may load only part of an org's schema). Polymorphic
relationships (several ``referenceTo``) allow the fields of Salesforce's ``Name`` object.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from . import ast
from .errors import SoqlFieldError

Describe = Callable[[str], dict | None]
_AGGREGATE_NAMES = frozenset(("COUNT", "COUNT_DISTINCT", "SUM", "MIN", "MAX", "AVG"))

_NO_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom "
    "field, be sure to append the '__c' after the custom field name. Please reference your "
    "WSDL or the describe call for the appropriate names."
)
_NO_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a "
    "custom relationship, be sure to append the '__r' after the custom relationship name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
_NO_CHILD_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in FROM part of query call. If you are "
    "attempting to use a custom relationship, be sure to append the '__r' after the custom "
    "relationship name. Please reference your WSDL or the describe call for the appropriate "
    "names."
)
_NO_SOBJECT = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, "
    "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
    "describe call for the appropriate names."
)

# Fields of Salesforce's "Name" object, reachable through polymorphic relationships.
_NAME_OBJECT_FIELDS = {
    name.lower(): {"name": name, "type": type_}
    for name, type_ in [
        ("Id", "id"),
        ("Name", "string"),
        ("Type", "picklist"),
        ("Alias", "string"),
        ("Email", "email"),
        ("FirstName", "string"),
        ("LastName", "string"),
        ("IsActive", "boolean"),
        ("Title", "string"),
        ("Phone", "phone"),
        ("Username", "string"),
        ("UserRoleId", "reference"),
        ("ProfileId", "reference"),
        ("RecordTypeId", "reference"),
        ("LastReferencedDate", "datetime"),
        ("LastViewedDate", "datetime"),
    ]
}

_STRING_TYPES = {
    "string",
    "picklist",
    "multipicklist",
    "combobox",
    "id",
    "reference",
    "email",
    "phone",
    "url",
    "textarea",
    "encryptedstring",
}
_NUMBER_TYPES = {"double", "currency", "percent", "int", "long"}
_TYPE_NAMES = {"datetime": "dateTime", "int": "integer", "long": "long"}


class _Schema:
    def __init__(self, describe: Describe):
        self.describe = describe
        self.cache: dict[str, dict | None] = {}

    def get(self, name: str) -> dict | None:
        key = name.lower()
        if key not in self.cache:
            self.cache[key] = self.describe(name)
        return self.cache[key]

    @staticmethod
    def field(desc: dict, name: str) -> dict | None:
        lowered = name.lower()
        for f in desc.get("fields", []):
            if f["name"].lower() == lowered:
                return f
        return None

    @staticmethod
    def relationship(desc: dict, name: str) -> dict | None:
        lowered = name.lower()
        for f in desc.get("fields", []):
            rel = f.get("relationshipName")
            if rel and rel.lower() == lowered and f.get("referenceTo"):
                return f
        return None

    @staticmethod
    def child(desc: dict, name: str) -> dict | None:
        lowered = name.lower()
        for rel in desc.get("childRelationships", []):
            if (rel.get("relationshipName") or "").lower() == lowered:
                return rel
        return None


class _Validator:
    def __init__(self, source: str, schema: _Schema):
        self.source = source
        self.schema = schema

    def fail(self, code: str, detail: str, pos: ast.Pos | None):
        if pos is None or not self.source:
            raise SoqlFieldError(code, detail)
        raise SoqlFieldError(code, detail, text=self.source, line=pos[0], column=pos[1])

    # ---------------------------------------------------------------------------------
    def resolve(self, desc: dict, ref: ast.FieldRef) -> dict | None:
        """The describe entry of the path's last field; None when it cannot be checked."""
        current: dict | None = desc
        names = ref.path
        for i, name in enumerate(names):
            last = i == len(names) - 1
            if current is None:
                return None
            if current.get("name") == "Name":
                entry = _NAME_OBJECT_FIELDS.get(name.lower())
                if entry is None:
                    self.fail("INVALID_FIELD", _NO_COLUMN.format(name=name, entity="Name"), ref.pos)
                if last:
                    return entry
                return None
            if last:
                entry = self.schema.field(current, name)
                if entry is None:
                    self.fail(
                        "INVALID_FIELD",
                        _NO_COLUMN.format(name=name, entity=current.get("name")),
                        ref.pos,
                    )
                return entry
            rel = self.schema.relationship(current, name)
            if rel is None:
                self.fail("INVALID_FIELD", _NO_RELATIONSHIP.format(name=name), ref.pos)
            targets = rel["referenceTo"]
            owner_type = (
                rel.get("relationshipName") == "Owner"
                and i == len(names) - 2
                and names[-1].lower() == "type"
            )
            if len(targets) > 1 or rel.get("polymorphicForeignKey") or owner_type:
                # Owner can be a user or a queue: Owner.Type is the Name object's Type.
                current = {"name": "Name"}
            else:
                current = self.schema.get(targets[0])
        return None

    def query(self, query: ast.Query, desc: dict) -> None:
        aggregate_query = bool(query.group_by) or any(
            (isinstance(i, ast.Aggregate) and not query.is_count)
            or (isinstance(i, ast.FunctionCall) and i.func in _AGGREGATE_NAMES)
            for i in query.fields
        )
        grouped = {
            tuple(n.lower() for n in f.path) for f in query.group_by if isinstance(f, ast.FieldRef)
        }
        for item in query.fields:
            self.select_item(query, desc, item)
            if (
                aggregate_query
                and isinstance(item, ast.FieldRef)
                and tuple(n.lower() for n in item.path) not in grouped
            ):
                self.fail(
                    "MALFORMED_QUERY", f"Field must be grouped or aggregated: {item.name}", item.pos
                )
        self.condition(desc, query.where)
        for ref in query.group_by:
            if isinstance(ref, ast.FunctionCall):
                self.function(desc, ref)
                continue
            self.capable(self.resolve(desc, ref), "groupable", "grouped", ref.pos)
        self.condition(desc, query.having)
        for item in query.order_by:
            entry = self.operand(desc, item.field)
            if isinstance(item.field, ast.FieldRef):
                self.capable(entry, "sortable", "sorted", item.field.pos)

    def capable(self, entry: dict | None, flag: str, verb: str, pos: ast.Pos | None) -> None:
        """Describe flags: a field with ``filterable: false`` cannot be filtered, etc."""
        if entry is not None and entry.get(flag) is False:
            self.fail(
                "INVALID_FIELD", f"field '{entry['name']}' can not be {verb} in a query call", pos
            )

    def function(self, desc: dict, call: ast.FunctionCall) -> None:
        """Check the fields a function reads (its other arguments are literals)."""
        for arg in call.args:
            if isinstance(arg, ast.FieldRef):
                self.resolve(desc, arg)
            elif isinstance(arg, ast.FunctionCall):
                self.function(desc, arg)
            elif isinstance(arg, ast.Aggregate):
                self.operand(desc, arg)

    def select_item(self, query: ast.Query, desc: dict, item: ast.SelectItem) -> None:
        if isinstance(item, ast.FunctionCall):
            self.function(desc, item)
        elif isinstance(item, ast.FieldRef):
            self.resolve(desc, item)
        elif isinstance(item, ast.Aggregate):
            self.operand(desc, item)
        elif isinstance(item, ast.FieldsMacro):
            if item.kind != "STANDARD" and (query.limit is None or query.limit > 200):
                self.fail(
                    "MALFORMED_QUERY",
                    "The SOQL FIELDS function must have a LIMIT of at most 200",
                    item.pos,
                )
        elif isinstance(item, ast.TypeOf):
            rel = self.schema.relationship(desc, item.field)
            if rel is None:
                self.fail("INVALID_FIELD", _NO_RELATIONSHIP.format(name=item.field), item.pos)
            for when in item.whens:
                target = self.schema.get(when.sobject)
                if target is None:
                    self.fail("INVALID_TYPE", _NO_SOBJECT.format(name=when.sobject), when.pos)
                for ref in when.fields:
                    self.resolve(target, ref)
            for ref in item.else_fields:
                self.resolve({"name": "Name"}, ref)
        elif isinstance(item, ast.SubQuery):
            sub = item.query
            rel = self.schema.child(desc, sub.sobject)
            if rel is None:
                self.fail(
                    "INVALID_TYPE",
                    _NO_CHILD_RELATIONSHIP.format(name=sub.sobject),
                    sub.sobject_pos,
                )
            child = self.schema.get(rel["childSObject"])
            if child is not None:
                self.query(sub, child)

    def operand(self, desc: dict, operand: ast.Operand) -> dict | None:
        if isinstance(operand, ast.FunctionCall):
            self.function(desc, operand)
            return None
        if isinstance(operand, ast.Aggregate):
            if operand.field is not None:
                entry = self.resolve(desc, operand.field)
                numeric_only = operand.func in ("SUM", "AVG")
                if entry is not None and (
                    entry.get("aggregatable") is False
                    or (numeric_only and entry.get("type") not in _NUMBER_TYPES)
                ):
                    self.fail(
                        "MALFORMED_QUERY",
                        f"field {entry['name']} does not support aggregate operator {operand.func}",
                        operand.pos,
                    )
            return None
        return self.resolve(desc, operand)

    def condition(self, desc: dict, expr: ast.Condition | None) -> None:
        if expr is None:
            return
        if isinstance(expr, ast.And | ast.Or):
            for item in expr.items:
                self.condition(desc, item)
            return
        if isinstance(expr, ast.Not):
            self.condition(desc, expr.item)
            return
        entry = self.operand(desc, expr.field)
        if isinstance(expr, ast.InSubquery):
            validate(expr.query, self.schema.describe, source=self.source)
            return
        if entry is None or isinstance(expr.field, ast.Aggregate):
            return
        self.capable(entry, "filterable", "filtered", expr.field.pos)
        if isinstance(expr, ast.Comparison):
            self.check_value(entry, expr.value, expr.pos)
        elif isinstance(expr, ast.InList):
            for value in expr.values:
                self.check_value(entry, value, expr.pos)
        elif isinstance(expr, ast.Includes) and entry.get("type") != "multipicklist":
            self.fail(
                "INVALID_FIELD",
                "includes or excludes operator only valid on multipicklist field",
                expr.pos,
            )

    def check_value(self, entry: dict, value: ast.Value, pos: ast.Pos | None) -> None:
        if value is None:
            return
        field_type = entry.get("type", "string")
        name = entry["name"]
        type_name = _TYPE_NAMES.get(field_type, field_type)
        quoted = isinstance(value, str)
        if field_type == "boolean":
            ok = isinstance(value, bool)
        elif field_type == "date":
            ok = isinstance(value, ast.DateLiteral) or (
                isinstance(value, date) and not isinstance(value, datetime)
            )
        elif field_type == "datetime":
            ok = isinstance(value, ast.DateLiteral | datetime)
        elif field_type in _NUMBER_TYPES:
            ok = (isinstance(value, int | float) and not isinstance(value, bool)) or (
                field_type == "currency" and isinstance(value, ast.CurrencyValue)
            )
        elif field_type in _STRING_TYPES:
            ok = isinstance(value, str)
        else:
            ok = True
        if ok:
            return
        if field_type in _STRING_TYPES:
            detail = (
                f"value of filter criterion for field '{name}' must be of type {type_name} "
                "and should be enclosed in quotes"
            )
        else:
            detail = f"value of filter criterion for field '{name}' must be of type {type_name}"
            if quoted or field_type in ("boolean", "date", "datetime"):
                detail += " and should not be enclosed in quotes"
        self.fail("INVALID_FIELD", detail, pos)


def validate(query: ast.Query, describe: Describe, *, source: str | None = None) -> dict:
    """Check ``query`` against the schema; return the FROM object's describe dict.

    Raises SoqlFieldError (INVALID_TYPE / INVALID_FIELD / MALFORMED_QUERY) as described in
    the module docstring. ``source`` overrides the text used for error positions (defaults
    to the text the query was parsed from).
    """
    text = query.source if source is None else source
    schema = _Schema(describe)
    validator = _Validator(text, schema)
    desc = schema.get(query.sobject)
    if desc is None:
        validator.fail("INVALID_TYPE", _NO_SOBJECT.format(name=query.sobject), query.sobject_pos)
    validator.query(query, desc)
    return desc
