# ruff: noqa: S608 -- SQL is built only from quoted schema identifiers; values are bound parameters
"""SOQL execution over an org's SQLite tables.

A query is parsed and validated by ``soql``; its field paths become SQL columns (relationship
paths become LEFT JOINs on the parent tables), its WHERE becomes SQL through
``soql.compile_condition_sql`` (falling back to ``soql.compile_condition`` in Python for
what SQL cannot express). Results stream from a private SQLite cursor: REST pages through
QueryCursor, Bulk CSV rows through ``sfsim.query_bulk`` (values rendered as CSV text inside
SQLite). Functions, rollups and scopes are in ``sfsim.query_functions``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator

import soql
from sfsim import ids
from sfsim import query_functions as qf
from sfsim.errors import SalesforceError
from sfsim.schema import COMPOUND
from sfsim.values import (
    compound_value,
    csv_sql,
    location_value,
    to_json_value,
)
from sfsim.versions import data_path
from soql import ast

_ADDRESS_PARTS = (
    "Street",
    "City",
    "State",
    "PostalCode",
    "Country",
    "Latitude",
    "Longitude",
    "GeocodeAccuracy",
)

# Fields of Salesforce's polymorphic "Name" object (What.Name, Who.Name, Owner.Name ...)
_NAME_FIELDS = (
    "Name",
    "Type",
    "Alias",
    "Email",
    "FirstName",
    "LastName",
    "IsActive",
    "Title",
    "Phone",
    "Username",
    "ProfileId",
    "UserRoleId",
    "RecordTypeId",
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def soql_error(exc: soql.SoqlError) -> SalesforceError:
    return SalesforceError(exc.error_code, exc.salesforce_message())


# The Name object's Type: what a polymorphic relationship (What, Who, Owner) points to.
_POLYMORPHIC_TYPE = {
    "name": "Type",
    "type": "picklist",
    "label": "Type",
    "nillable": True,
    "filterable": True,
    "sortable": True,
    "groupable": True,
    "referenceTo": [],
    "relationshipName": None,
    "custom": False,
}


class _Join:
    """One LEFT JOIN level: alias per target object (several when polymorphic)."""

    def __init__(self, field: dict, targets: list, aliases: list[str], parent_col: str):
        self.field = field
        self.targets = targets  # [ObjectDef]
        self.aliases = aliases
        self.parent_col = parent_col
        self.rel_name = field["relationshipName"]


class _Builder:
    """Turns field paths of one FROM object into SQL expressions and JOIN clauses."""

    def __init__(self, org, od, base_alias: str = "t"):
        self.org = org
        self.od = od
        self.base = base_alias
        self.joins: dict[tuple[str, ...], _Join] = {}
        self.join_sql: list[str] = []
        self.counter = itertools.count(1)
        self._resolved: dict[tuple[str, ...], tuple | None] = {}

    def _join(
        self, prefix: tuple[str, ...], parent_objs: list, parent_aliases: list[str], rel: str
    ) -> _Join | None:
        key = prefix + (rel.lower(),)
        if key in self.joins:
            return self.joins[key]
        field = None
        parent_alias = None
        for pod, palias in zip(parent_objs, parent_aliases, strict=True):
            f = pod.relationships.get(rel.lower())
            if f is not None:
                field, parent_alias = f, palias
                break
        if field is None:
            return None
        objs = self.org.objects()
        targets = [objs[n] for n in field["referenceTo"] if n in objs]
        parent_col = f"{parent_alias}.{_q(field['name'])}"
        aliases = []
        for target in targets:
            alias = f"j{next(self.counter)}"
            aliases.append(alias)
            self.join_sql.append(
                f'LEFT JOIN {target.table()} {alias} ON {alias}."Id" = {parent_col}'
            )
        join = _Join(field, targets, aliases, parent_col)
        self.joins[key] = join
        return join

    def resolve(self, path: tuple[str, ...]):
        """(sql expression, field describe, canonical path, joins along the path) or None.
        Remembered per path: a REST page shapes every field of every row through here
        (2,000 rows x 60 fields resolved afresh took half a page's time)."""
        if path not in self._resolved:
            self._resolved[path] = self._resolve(path)
        return self._resolved[path]

    def _resolve(self, path: tuple[str, ...]):
        objs, aliases = [self.od], [self.base]
        canonical = []
        joins = []
        for depth, name in enumerate(path[:-1]):
            join = self._join(tuple(p.lower() for p in path[:depth]), objs, aliases, name)
            if join is None or not join.targets:
                return None
            canonical.append(join.rel_name)
            joins.append(join)
            objs, aliases = join.targets, join.aliases
        last = path[-1]
        if (
            joins
            and last.lower() == "type"
            and (len(joins[-1].field["referenceTo"]) > 1 or joins[-1].rel_name == "Owner")
        ):
            # A polymorphic relationship's Type is the referenced record's object name.
            whens = " ".join(
                f"WHEN {alias}.\"Id\" IS NOT NULL THEN '{pod.name}'"
                for pod, alias in zip(objs, aliases, strict=True)
            )
            canonical.append("Type")
            return f"(CASE {whens} END)", _POLYMORPHIC_TYPE, tuple(canonical), joins
        exprs, field = [], None
        for pod, alias in zip(objs, aliases, strict=True):
            f = pod.field(last)
            if f is None and len(objs) > 1 and last.lower() == "name" and pod.name_field:
                f = pod.fields[pod.name_field]  # the Name object's Name (e.g. CaseNumber)
            if f is not None:
                field = field or f
                exprs.append(f"{alias}.{_q(f['name'])}")
        if field is None:
            return None
        expr = exprs[0] if len(exprs) == 1 else f"COALESCE({', '.join(exprs)})"
        canonical.append(field["name"])
        return expr, field, tuple(canonical), joins

    def column(self, path: tuple[str, ...]) -> str | None:
        found = self.resolve(path)
        return found[0] if found else None


class _Column:
    __slots__ = ("path", "field", "expr", "joins", "index")

    def __init__(self, path, field, expr, joins):
        self.path = path
        self.field = field
        self.expr = expr
        self.joins = joins
        self.index = 0


class Plan:
    """A validated query turned into SQL plus what is needed to shape its results."""

    def __init__(
        self, org, query: ast.Query, *, include_deleted: bool, user, csv: bool, top: bool = True
    ):
        self.org = org
        if top:
            query = qf.prepare(org, query, user)
        self.query = query
        self.include_deleted = include_deleted
        self.user = user
        self.csv = csv
        self.od = org.obj(query.sobject)
        self.builder = _Builder(org, self.od)
        self.columns: list[_Column] = []
        self.subqueries: list[tuple[str, ast.Query]] = []
        self.aggregates: list[tuple[str, ast.Aggregate]] = []
        self.group_by: list[_Column] = []
        self.python_filter = None
        self.is_count = query.is_count
        self.is_aggregate = qf.is_aggregate_query(query)
        self.python_order = not self.is_aggregate and any(
            isinstance(i.field, ast.FunctionCall) for i in query.order_by
        )
        self._select_items()
        self.where_sql, self.params = self._where()

    # ------------------------------------------------------------------ select list
    def _add_column(self, path: tuple[str, ...]) -> _Column:
        found = self.builder.resolve(path)
        if found is None:
            raise SalesforceError(
                "INVALID_FIELD", f"No such column '{'.'.join(path)}' on entity '{self.od.name}'."
            )
        expr, field, canonical, joins = found
        for col in self.columns:
            if col.path == canonical:
                return col
        if not self.csv:
            for depth, join in enumerate(joins):
                self._add_column(canonical[:depth] + (join.field["name"],))
        col = _Column(canonical, field, expr, joins)
        self.columns.append(col)
        return col

    def _select_items(self) -> None:
        q = self.query
        if self.is_count:
            return
        for item in q.fields:
            if isinstance(item, ast.FieldRef):
                f = self.builder.resolve(item.path)
                if f is not None and f[1]["type"] in COMPOUND and len(item.path) == 1:
                    if self.csv:
                        raise SalesforceError(
                            "INVALID_FIELD",
                            f"Compound fields are not supported in Bulk API "
                            f"queries: {f[1]['name']}",
                        )
                    self.columns.append(_Column((f[1]["name"],), f[1], "NULL", []))
                    self._add_components(f[1]["name"])
                    continue
                self._add_column(item.path)
            elif isinstance(item, ast.FieldsMacro):
                for name, f in self.od.fields.items():
                    if item.kind == "CUSTOM" and not f.get("custom"):
                        continue
                    if item.kind == "STANDARD" and f.get("custom"):
                        continue
                    if f["type"] in COMPOUND:
                        if not self.csv:
                            self.columns.append(_Column((name,), f, "NULL", []))
                            self._add_components(name)
                        continue
                    self._add_column((name,))
            elif isinstance(item, ast.SubQuery):
                if self.csv:
                    raise SalesforceError(
                        "INVALID_FIELD",
                        "Bulk API query does not support nested subqueries (child relationships).",
                    )
                self.subqueries.append((item.query.sobject, item.query))
            elif isinstance(item, ast.Aggregate):
                self.aggregates.append((item.alias, item))
            elif isinstance(item, ast.TypeOf):
                for when in item.whens:
                    for ref in when.fields:
                        self._typeof_column(item.field, ref)
                for ref in item.else_fields:
                    self._typeof_column(item.field, ref)
        calls = [i for i in q.fields if isinstance(i, ast.FunctionCall)]
        calls += [i.field for i in q.order_by if isinstance(i.field, ast.FunctionCall)]
        calls += [g for g in q.group_by if isinstance(g, ast.FunctionCall)]
        for call in calls:
            self._add_function_columns(call)
        if self.is_aggregate:
            for ref in q.group_by:
                if isinstance(ref, ast.FieldRef):
                    self.group_by.append(self._add_column(ref.path))
            for _alias, agg in self.aggregates:
                if agg.field is not None:
                    self._add_column(agg.field.path)
            for agg in ast.condition_fields(q.having):
                if isinstance(agg, ast.Aggregate) and agg.field is not None:
                    self._add_column(agg.field.path)
        # the Id of the FROM object (and of each joined parent) is always read
        if not self.is_aggregate:
            self._add_column(("Id",))

    def _add_function_columns(self, call: ast.FunctionCall) -> None:
        """Columns a function reads (a compound location's components when they exist)."""
        refs = soql.functions.field_refs(call)
        for ref in refs:
            found = self.builder.resolve(ref.path)
            if found is not None and found[1]["type"] in COMPOUND:
                continue
            self._add_column(ref.path)
        for path in qf.read_paths(call):
            if path not in [r.path for r in refs] and self.builder.resolve(path) is not None:
                self._add_column(path)

    def _add_components(self, compound: str) -> None:
        """The component fields an address is built from (BillingCity ... of BillingAddress)."""
        if self.od.fields[compound]["type"] == "location":
            for name, f in self.od.fields.items():
                if f.get("compoundFieldName") == compound:
                    self._add_column((name,))
            return
        prefix = compound.removesuffix("Address")
        for name, f in self.od.fields.items():
            part = name[len(prefix) :] if name.startswith(prefix) else ""
            if part in _ADDRESS_PARTS and f["type"] not in COMPOUND:
                self._add_column((name,))

    def _typeof_column(self, rel: str, ref: ast.FieldRef) -> None:
        found = self.builder.resolve((rel, *ref.path))
        if found is not None:
            self._add_column((rel, *ref.path))

    # ------------------------------------------------------------------ WHERE
    def visibility(self, alias: str, od) -> list[str]:
        """SQL tests for the Recycle Bin and the user's record access."""
        tests = []
        if not self.include_deleted and "IsDeleted" in od.fields:
            tests.append(f'{alias}."IsDeleted" = 0')
        if self.user is not None and od.has_owner:
            perms = self.org.permissions(self.user)
            files = od.name in ("ContentDocument", "ContentVersion")
            if (files and "QueryAllFiles" not in perms) or (
                not files and "ViewAllData" not in perms
            ):
                tests.append(f"{alias}.\"OwnerId\" = '{self.user.id}'")
        return tests

    def _semi_join(self, sub: ast.Query) -> set:
        plan = Plan(self.org, sub, include_deleted=False, user=self.user, csv=True, top=False)
        out = set()
        for row in plan.raw_rows():
            out.add(row[0])
        return out

    def _where(self) -> tuple[str, list]:
        tests = self.visibility("t", self.od)
        params: list = []
        now = self.org.sim.clock.now()
        where = self._normalise_ids(self.query.where)
        if where is not None:
            try:
                sql, params = soql.compile_condition_sql(
                    where, self.builder.column, now=now, semi_join=self._semi_join
                )
                tests.append(sql)
            except soql.NotTranslatable:
                self.python_filter = soql.compile_condition(
                    where, now=now, semi_join=self._semi_join
                )
                for ref in ast.condition_fields(where):
                    if isinstance(ref, ast.FieldRef):
                        self._add_column(ref.path)
                    elif isinstance(ref, ast.FunctionCall):
                        self._add_function_columns(ref)
        return (" AND ".join(tests) or "1"), params

    def _normalise_ids(self, expr):
        """15-character Ids in filters on Id/reference fields become their 18-character form
        (what is stored), as Salesforce accepts both."""
        if expr is None:
            return None
        if isinstance(expr, ast.And | ast.Or):
            return type(expr)(tuple(self._normalise_ids(e) for e in expr.items))
        if isinstance(expr, ast.Not):
            return ast.Not(self._normalise_ids(expr.item))
        if isinstance(expr, ast.Comparison | ast.InList) and isinstance(expr.field, ast.FieldRef):
            found = self.builder.resolve(expr.field.path)
            if found is None or found[1]["type"] not in ("id", "reference"):
                return expr
            if isinstance(expr, ast.Comparison):
                return dataclasses.replace(expr, value=_id18(expr.value))
            return dataclasses.replace(expr, values=tuple(_id18(v) for v in expr.values))
        return expr

    # ------------------------------------------------------------------ SQL
    def from_sql(self) -> str:
        return f"FROM {self.od.table()} t " + " ".join(self.builder.join_sql)

    def order_sql(self) -> str:
        parts = []
        for item in self.query.order_by:
            if not isinstance(item.field, ast.FieldRef):
                continue
            found = self.builder.resolve(item.field.path)
            if found is None:
                raise SalesforceError(
                    "INVALID_FIELD",
                    f"No such column '{item.field.name}' on entity '{self.od.name}'.",
                )
            expr, field = found[0], found[1]
            collate = (
                " COLLATE NOCASE"
                if field["type"]
                in ("string", "picklist", "textarea", "email", "phone", "url", "combobox")
                else ""
            )
            direction = " DESC" if item.descending else ""
            nulls = " NULLS FIRST" if item.nulls_first else " NULLS LAST"
            parts.append(f"{expr}{collate}{direction}{nulls}")
        parts.append("t._rowid")
        return "ORDER BY " + ", ".join(parts)

    def select_exprs(self) -> list[str]:
        if self.csv and not self.python_filter:
            out = []
            for c in self.columns:
                out.append(csv_sql(c.expr, c.field) if c.expr != "NULL" else "''")
            return out
        return [c.expr for c in self.columns]

    def sql(self, *, paged: bool = True) -> str:
        select = ", ".join(self.select_exprs()) or 't."Id"'
        order = self.order_sql()  # first: ORDER BY Account.Name may add its join
        text = f"SELECT {select} {self.from_sql()} WHERE {self.where_sql} {order}"
        if paged and not self.python_filter and not self.python_order and not self.is_aggregate:
            text += self._limit_sql()
        return text

    def _limit_sql(self) -> str:
        q = self.query
        if q.limit is None and not q.offset:
            return ""
        return f" LIMIT {q.limit if q.limit is not None else -1} OFFSET {q.offset or 0}"

    def raw_rows(self, conn=None) -> Iterator[tuple]:
        """Rows of the select list (after the Python filter and LIMIT/OFFSET when needed)."""
        conn = conn or self.org.conn()
        cur = conn.execute(self.sql(), self.params)
        if not self.python_filter and not self.python_order:
            yield from cur
            return
        pred = self.python_filter
        skip = self.query.offset or 0
        left = self.query.limit
        rows = (row for row in cur if pred is None or pred(self.getter(row)))
        if self.python_order:
            key = soql.order_key(self.query.order_by)
            rows = iter(sorted(rows, key=lambda row: key(self.getter(row, functions=True))))
        for row in rows:
            if skip:
                skip -= 1
                continue
            if left is not None:
                if left <= 0:
                    return
                left -= 1
            yield row

    def getter(self, row: tuple, *, functions: bool = False, raw: bool = False):
        """Read ``row`` by field path (Python values); with ``functions`` also by the text
        of a function of the query (``DISTANCE(...)``), computed from its fields; with
        ``raw`` the stored values (what aggregates group and shape)."""
        lowered = self._lowered_index()

        def get(path):
            i = lowered.get(tuple(p.lower() for p in path))
            if i is None:
                if functions and path in self._calls_by_text:
                    return soql.functions.evaluate(self._calls_by_text[path], get)
                return None
            if raw:
                return row[i]
            return _python_value(self.columns[i].field, row[i])

        return get

    def _lowered_index(self) -> dict:
        if getattr(self, "_lowered", None) is None or len(self._lowered) != len(self.columns):
            self._lowered = {
                tuple(p.lower() for p in c.path): i for i, c in enumerate(self.columns)
            }
            self._calls_by_text = {
                soql.evaluate.operand_path(c): c
                for c in (*self.query.fields, *(i.field for i in self.query.order_by))
                if isinstance(c, ast.FunctionCall)
            }
        return self._lowered

    def count(self) -> int:
        conn = self.org.conn()
        if self.python_filter:
            return sum(1 for _ in self.raw_rows(conn))
        inner = f"SELECT 1 {self.from_sql()} WHERE {self.where_sql}{self._limit_sql()}"
        return conn.execute(f"SELECT COUNT(*) FROM ({inner})", self.params).fetchone()[0]

    # ------------------------------------------------------------------ JSON shaping
    def record(self, row: tuple) -> dict:
        od = self.od
        values = {c.path: row[i] for i, c in enumerate(self.columns)}
        rid = values.get(("Id",))
        out = {
            "attributes": {
                "type": od.name,
                "url": f"{data_path()}/sobjects/{od.name}/{rid}",
            }
        }
        for item in self.query.fields:
            if isinstance(item, ast.FieldRef):
                self._put(out, item.path, values, od, rid)
            elif isinstance(item, ast.FieldsMacro):
                for name, f in od.fields.items():
                    if (item.kind == "CUSTOM" and not f.get("custom")) or (
                        item.kind == "STANDARD" and f.get("custom")
                    ):
                        continue
                    self._put(out, (name,), values, od, rid)
            elif isinstance(item, ast.SubQuery):
                out[self._child_key(item.query.sobject)] = self._children(item.query, rid)
            elif isinstance(item, ast.TypeOf):
                self._put_typeof(out, item, values)
            elif isinstance(item, ast.FunctionCall):
                self._put_function(out, item, row, values, od, rid)
        return out

    def _put_function(self, out: dict, call: ast.FunctionCall, row, values, od, rid) -> None:
        names = dict((id(item), name) for item, name in qf.output_names(self.query))
        name = names.get(id(call))
        if call.func in ("toLabel", "FORMAT") and isinstance(call.args[0], ast.FieldRef):
            self._put(out, call.args[0].path, values, od, rid)
            shown = call.args[0].path[-1]
            if len(call.args[0].path) == 1 and call.alias and shown in out:
                out[call.alias] = out.pop(next(k for k in out if k.lower() == shown.lower()))
            return
        value = soql.functions.evaluate(call, self.getter(row))
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value

    def _put(self, out: dict, path: tuple[str, ...], values: dict, od, rid) -> None:
        found = self.builder.resolve(path)
        if found is None:
            return
        _expr, field, canonical, joins = found
        if len(canonical) == 1:
            if field["type"] in COMPOUND:
                if field["type"] == "address":
                    comps = {
                        c.path[0]: values.get(c.path) for c in self.columns if len(c.path) == 1
                    }
                    out[field["name"]] = compound_value(field["name"], comps) if comps else None
                else:
                    comps = {
                        c.path[0]: values.get(c.path) for c in self.columns if len(c.path) == 1
                    }
                    out[field["name"]] = location_value(field["name"], comps)
                return
            out[field["name"]] = to_json_value(field, values.get(canonical), od.name, rid)
            return
        node = out
        for depth, join in enumerate(joins):
            key = join.rel_name
            if key not in node or node[key] is None:
                parent_id = self._parent_id(
                    canonical[:depth] + (join.field["name"],), values, node, depth
                )
                if parent_id is None:
                    node[key] = None
                    return
                target = self.org.object_for_id(parent_id)
                tname = target.name if target else join.targets[0].name
                node[key] = {
                    "attributes": {
                        "type": tname,
                        "url": f"{data_path()}/sobjects/{tname}/{parent_id}",
                    }
                }
                node[key]["_id"] = parent_id
            node = node[key]
        target = self.org.object_for_id(node.get("_id", "")) if node.get("_id") else None
        node[field["name"]] = to_json_value(
            field, values.get(canonical), target.name if target else "", node.get("_id")
        )

    def _parent_id(self, ref_path, values, node, depth):
        """The Id held by the reference field at ref_path (own column or parent's column)."""
        col = self.builder.resolve(ref_path)
        return values.get(col[2]) if col is not None else None

    def _put_typeof(self, out, item: ast.TypeOf, values) -> None:
        found = self.builder.resolve((item.field, "Id"))
        ref = self.od.relationships.get(item.field.lower())
        if ref is None:
            return
        parent_id = values.get((ref["name"],))
        if parent_id is None:
            out[ref["relationshipName"]] = None
            return
        target = self.org.object_for_id(parent_id)
        fields = item.else_fields
        for when in item.whens:
            if target is not None and when.sobject.lower() == target.name.lower():
                fields = when.fields
        node = {
            "attributes": {
                "type": target.name if target else "Name",
                "url": f"{data_path()}/sobjects/{target.name if target else 'Name'}/{parent_id}",
            }
        }
        row = self.org.row(target, parent_id) if target is not None else None
        for fref in fields:
            name = fref.path[-1]
            f = target.field(name) if target else None
            if target is not None and fields is item.else_fields:
                # ELSE fields are the Name object's: Name is the target's name field
                # (CaseNumber for a Case), Type its object name.
                if name.lower() == "type":
                    node["Type"] = target.name
                    continue
                if name.lower() == "name" and target.name_field and f is None:
                    f = target.fields[target.name_field]
                    node["Name"] = to_json_value(
                        f, row.get(f["name"]) if row else None, target.name, parent_id
                    )
                    continue
            if f is None:
                continue
            node[f["name"]] = to_json_value(
                f, row.get(f["name"]) if row else None, target.name, parent_id
            )
        out[ref["relationshipName"]] = node
        del found

    def _child_key(self, rel: str) -> str:
        child = self.od.children.get(rel.lower())
        return child["relationshipName"] if child else rel

    def _children(self, sub: ast.Query, parent_id: str):
        rel = self.od.children.get(sub.sobject.lower())
        if rel is None:
            raise SalesforceError(
                "INVALID_TYPE",
                f"Didn't understand relationship '{sub.sobject}' in FROM part of query call.",
            )
        child_query = ast.Query(
            fields=sub.fields,
            sobject=rel["childSObject"],
            where=_and(sub.where, ast.Comparison(ast.FieldRef((rel["field"],)), "=", parent_id)),
            order_by=sub.order_by,
            limit=sub.limit,
            offset=sub.offset,
            source=sub.source,
        )
        plan = Plan(
            self.org,
            child_query,
            include_deleted=self.include_deleted,
            user=self.user,
            csv=False,
            top=False,
        )
        records = [plan.record(r) for r in plan.raw_rows()]
        _strip_ids(records)
        if not records:
            return None
        return {"totalSize": len(records), "done": True, "records": records}

    # ------------------------------------------------------------------ aggregates
    def aggregate_records(self) -> list[dict]:
        def to_json(ref, value):
            found = self.builder.resolve(ref.path)
            return to_json_value(found[1], value, self.od.name, None) if found else value

        out = qf.aggregate(
            self.query, self.raw_rows(), lambda row: self.getter(row, raw=True), to_json
        )
        q = self.query
        if q.having is not None:
            pred = soql.compile_condition(q.having, now=self.org.sim.clock.now())
            out = [r for r in out if pred(_agg_getter(r))]
        if q.order_by:
            keyf = soql.order_key(q.order_by)
            out.sort(key=lambda r: keyf(_agg_getter(r)))
        for r in out:
            r.pop("_having", None)
        start = q.offset or 0
        end = start + q.limit if q.limit is not None else None
        return out[start:end]


def _agg_getter(rec: dict):
    lowered = {k.lower(): v for k, v in rec.items() if k not in ("attributes", "_having")}
    having = rec.get("_having", {})

    def get(path):
        if path in having:
            return having[path]
        return lowered.get(path[-1].lower())

    return get


def _id18(value):
    if isinstance(value, str) and len(value) == 15 and ids.is_valid(value):
        return ids.to18(value)
    return value


def _and(a, b):
    if a is None:
        return b
    return ast.And((a, b))


def _strip_ids(records: list) -> None:
    for rec in records:
        for value in rec.values():
            if isinstance(value, dict) and "_id" in value:
                value.pop("_id", None)
                _strip_ids([value])


def _python_value(field: dict, value):
    if value is None:
        return None
    ftype = field["type"]
    if ftype == "boolean":
        return bool(value)
    if ftype == "datetime":
        from sfsim.clock import parse_datetime

        return parse_datetime(value)
    if ftype == "date":
        return dt.date.fromisoformat(value)
    return value


def parse(org, text: str) -> ast.Query:
    try:
        query = soql.parse(text)
        objs = org.objects()
        lowered = {n.lower(): od for n, od in objs.items()}

        def describe(name):
            od = lowered.get(name.lower())
            return od.describe if od else None

        soql.validate(query, describe)
    except soql.SoqlError as exc:
        raise soql_error(exc) from None
    return query


class QueryCursor:
    """Pages of a REST query. ``total_size`` is known up front; ``next_page()`` returns
    (records, done) and resumes where it stopped, reading from a private SQLite cursor."""

    def __init__(
        self,
        plan: Plan | None,
        batch_size: int,
        *,
        records: list | None = None,
        total_size: int | None = None,
    ):
        self.batch_size = max(1, min(int(batch_size or 2000), 2000))
        self.plan = plan
        self._conn = None
        self._rows = None
        self._records = records
        self.position = 0
        self.done = False
        if records is not None:
            self.total_size = len(records) if total_size is None else total_size
        else:
            self.total_size = plan.count()
            self._conn = plan.org.new_connection()
            self._rows = plan.raw_rows(self._conn)

    def next_page(self) -> tuple[list[dict], bool]:
        if self.done:
            return [], True
        if self._records is not None:
            page = self._records[self.position : self.position + self.batch_size]
        else:
            page = []
            for row in itertools.islice(self._rows, self.batch_size):
                page.append(self.plan.record(row))
            _strip_ids(page)
        self.position += len(page)
        if self.position >= self.total_size or len(page) < self.batch_size:
            self.done = True
            self.close()
        return page, self.done

    def close(self) -> None:
        if self._conn is not None:
            self._rows = None
            self._conn.close()
            self._conn = None


def run_query(org, text: str, *, include_deleted: bool, user, batch_size: int = 2000):
    query = parse(org, text)
    plan = Plan(org, query, include_deleted=include_deleted, user=user, csv=False)
    if plan.is_count:
        return QueryCursor(None, batch_size, records=[], total_size=plan.count())
    if plan.is_aggregate:
        return QueryCursor(None, batch_size, records=plan.aggregate_records())
    return QueryCursor(plan, batch_size)


__all__ = ["QueryCursor", "run_query", "parse", "ids"]
