"""SOQL beyond plain fields, for the simulator's query engine (``sfsim.query.Plan``).

Executed: toLabel() and FORMAT() (the value itself: labels equal API values here), the
date functions and convertTimezone() (in WHERE, SELECT, GROUP BY, ORDER BY), DISTANCE()
/ GEOLOCATION() (WHERE, SELECT, ORDER BY), aliases on grouped fields, GROUP BY ROLLUP() /
CUBE() with GROUPING(), USING SCOPE Everything / Mine, FOR VIEW / FOR REFERENCE (no-ops).

Answered as Salesforce answers an org without the feature (the simulator's orgs have one
currency and no Knowledge or territories): convertCurrency() and currency-prefixed
literals (USD5000), WITH DATA CATEGORY, UPDATE TRACKING / VIEWSTAT, USING SCOPE other
than Everything / Mine / Team.
"""

from __future__ import annotations

import dataclasses
from itertools import combinations

import soql
from sfsim.errors import SalesforceError
from soql import ast
from soql.functions import AGGREGATES, field_refs

SCOPES = ("Everything", "Mine", "Team", "Delegated", "MyTerritory", "MyTeamTerritory")


def _walk_values(expr):
    if expr is None:
        return
    if isinstance(expr, ast.And | ast.Or):
        for item in expr.items:
            yield from _walk_values(item)
    elif isinstance(expr, ast.Not):
        yield from _walk_values(expr.item)
    elif isinstance(expr, ast.Comparison):
        yield expr.value
    elif isinstance(expr, ast.InList):
        yield from expr.values


def _calls(node):
    """Every FunctionCall in a select item, operand or condition (nested ones too)."""
    if isinstance(node, ast.FunctionCall):
        yield node
        for arg in node.args:
            yield from _calls(arg)
    elif isinstance(node, ast.And | ast.Or):
        for item in node.items:
            yield from _calls(item)
    elif isinstance(node, ast.Not):
        yield from _calls(node.item)
    elif hasattr(node, "field") and not isinstance(node, ast.Aggregate | ast.SubQuery):
        yield from _calls(node.field)  # an OrderItem or a predicate


def _all_calls(query: ast.Query):
    for node in (*query.fields, query.where, query.having, *query.order_by, *query.group_by):
        yield from _calls(node)


def prepare(org, query: ast.Query, user) -> ast.Query:
    """Refuse what the org does not have; turn USING SCOPE Mine into an owner filter."""
    for value in (*_walk_values(query.where), *_walk_values(query.having)):
        if isinstance(value, ast.CurrencyValue):
            raise SalesforceError(
                "MALFORMED_QUERY",
                f"Currency ISO code prefixes ({value.code}{value.amount}) are only valid in "
                "organizations with multiple currencies enabled.",
            )
    for call in _all_calls(query):
        if call.func == "convertCurrency":
            raise SalesforceError(
                "INVALID_FIELD",
                "convertCurrency() is only valid in organizations with multiple currencies "
                "enabled.",
            )
    if query.data_category:
        raise SalesforceError(
            "MALFORMED_QUERY",
            f"WITH DATA CATEGORY is only valid for Knowledge articles and questions, not "
            f"{query.sobject}.",
        )
    if query.update_clause:
        raise SalesforceError(
            "MALFORMED_QUERY",
            f"UPDATE {query.update_clause} is only valid for Knowledge articles, not "
            f"{query.sobject}.",
        )
    scope = query.using_scope
    if scope is None:
        return query
    canonical = next((s for s in SCOPES if s.lower() == scope.lower()), None)
    if canonical is None or canonical in ("Delegated", "MyTerritory", "MyTeamTerritory"):
        raise SalesforceError(
            "INVALID_FIELD",
            f"USING SCOPE {scope} is not available: this organization has no "
            f"{'territories' if canonical and 'Territory' in canonical else 'such scope'}.",
        )
    if canonical == "Mine":
        od = org.obj(query.sobject)
        if "OwnerId" not in od.fields or user is None:
            raise SalesforceError(
                "INVALID_FIELD", f"USING SCOPE Mine needs an owner: {od.name} has none."
            )
        mine = ast.Comparison(ast.FieldRef(("OwnerId",)), "=", user.id)
        where = mine if query.where is None else ast.And((query.where, mine))
        return dataclasses.replace(query, where=where)
    return query  # Everything, Team (no teams here: every record the user can see)


def read_paths(node) -> list[tuple[str, ...]]:
    """Paths to read for a function call, with the components of compound locations."""
    paths = []
    for ref in field_refs(node):
        paths.append(ref.path)
        last = ref.path[-1]
        if last.endswith("__c"):
            base = last[:-3]
            paths.append((*ref.path[:-1], f"{base}__Latitude__s"))
            paths.append((*ref.path[:-1], f"{base}__Longitude__s"))
        elif last.endswith("Address"):
            base = last[: -len("Address")]
            paths.append((*ref.path[:-1], f"{base}Latitude"))
            paths.append((*ref.path[:-1], f"{base}Longitude"))
    return paths


def output_names(query: ast.Query) -> list[tuple[object, str]]:
    """(select item, result key): aliases, field names, ``exprN`` for unnamed expressions
    (numbered across the select list, as Salesforce does)."""
    out = []
    n = 0
    for item in query.fields:
        if isinstance(item, ast.FieldRef):
            out.append((item, item.alias or item.path[-1]))
        elif (
            isinstance(item, ast.FunctionCall)
            and item.func in ("toLabel", "FORMAT")
            and (isinstance(item.args[0], ast.FieldRef))
        ):
            out.append((item, item.alias or item.args[0].path[-1]))
        elif isinstance(item, ast.FunctionCall | ast.Aggregate):
            if item.alias:
                out.append((item, item.alias))
            else:
                out.append((item, f"expr{n}"))
                n += 1
    return out


def grouping_sets(query: ast.Query) -> list[tuple[int, ...]]:
    """Indexes of the GROUP BY items grouped in each set: ROLLUP(a, b) -> (0, 1), (0,), ();
    CUBE(a, b) -> (0, 1), (0,), (1,), (); a plain GROUP BY -> one set of all."""
    count = len(query.group_by)
    everything = tuple(range(count))
    if query.group_by_kind == "ROLLUP":
        return [everything[:k] for k in range(count, -1, -1)]
    if query.group_by_kind == "CUBE":
        sets = []
        for k in range(count, -1, -1):
            sets.extend(combinations(everything, k))
        return sets
    return [everything]


def _key_value(item, getter, tz):
    if isinstance(item, ast.FieldRef):
        return getter(item.path)
    return soql.functions.evaluate(item, getter, tz)


def aggregate(query: ast.Query, rows, make_getter, to_json, tz=None) -> list[dict]:
    """AggregateResult records for ``rows``: ``make_getter(row)`` reads a row by path,
    ``to_json(item, value)`` shapes a grouped value for the answer."""
    sets = grouping_sets(query)
    aggregates = [item for item in query.fields if isinstance(item, ast.Aggregate)]
    having_aggs = [node for node in _having_aggregates(query.having) if node not in aggregates]
    tracked = aggregates + having_aggs
    groups: dict[tuple, list] = {}
    for row in rows:
        getter = make_getter(row)
        values = tuple(_key_value(g, getter, tz) for g in query.group_by)
        for number, chosen in enumerate(sets):
            key = (number, tuple(values[i] if i in chosen else None for i in range(len(values))))
            state = groups.get(key)
            if state is None:
                state = groups[key] = [_AggState(a.func) for a in tracked]
            for st, agg in zip(state, tracked, strict=True):
                st.add(getter(agg.field.path) if agg.field is not None else 1)
    if not query.group_by and not groups:
        groups[(0, ())] = [_AggState(a.func) for a in tracked]
    names = output_names(query)
    out = []
    for (number, key), state in groups.items():
        chosen = sets[number]
        results = {a: st.result() for a, st in zip(tracked, state, strict=True)}
        rec: dict = {"attributes": {"type": "AggregateResult"}}
        having = {}
        for item, name in names:
            value = None
            if isinstance(item, ast.Aggregate):
                value = results[item]
                if item.func in ("MIN", "MAX") and value is not None:
                    value = to_json(item.field, value)
                having[soql.evaluate.operand_path(item)] = value
            elif isinstance(item, ast.FunctionCall) and item.func == "GROUPING":
                target = item.args[0]
                index = _group_index(query, target)
                value = 0 if index is None or index in chosen else 1
            else:
                index = _group_index(query, item)
                if index is None and isinstance(item, ast.FunctionCall):
                    index = _group_index(query, item.args[0])
                if index is not None:
                    value = key[index]
                    if isinstance(query.group_by[index], ast.FieldRef):
                        value = to_json(query.group_by[index], value)
                    elif hasattr(value, "isoformat"):
                        value = value.isoformat()
                    having[soql.evaluate.operand_path(query.group_by[index])] = value
            rec[name] = value
        for agg in having_aggs:
            having[soql.evaluate.operand_path(agg)] = results[agg]
        rec["_having"] = having
        out.append(rec)
    return out


def _group_index(query: ast.Query, item) -> int | None:
    """Which GROUP BY item a select item shows (field paths compared case-insensitively)."""
    for i, group in enumerate(query.group_by):
        if isinstance(group, ast.FieldRef) and isinstance(item, ast.FieldRef):
            if [p.lower() for p in group.path] == [p.lower() for p in item.path]:
                return i
        elif (
            isinstance(group, ast.FunctionCall)
            and isinstance(item, ast.FunctionCall)
            and group == dataclasses.replace(item, alias=None)
        ):
            return i
    return None


def _having_aggregates(expr) -> list[ast.Aggregate]:
    out = []
    for operand in ast.condition_fields(expr):
        if isinstance(operand, ast.Aggregate):
            out.append(operand)
    return out


def is_aggregate_query(query: ast.Query) -> bool:
    return not query.is_count and (
        bool(query.group_by)
        or any(
            isinstance(i, ast.Aggregate)
            or (isinstance(i, ast.FunctionCall) and i.func in AGGREGATES)
            for i in query.fields
        )
    )


class _AggState:
    __slots__ = ("func", "count", "total", "value", "distinct")

    def __init__(self, func: str):
        self.func = func
        self.count = 0
        self.total = 0
        self.value = None
        self.distinct = set()

    def add(self, v) -> None:
        if v is None:
            return
        self.count += 1
        if self.func in ("SUM", "AVG"):
            self.total += v
        elif self.func == "MIN":
            self.value = v if self.value is None or v < self.value else self.value
        elif self.func == "MAX":
            self.value = v if self.value is None or v > self.value else self.value
        elif self.func == "COUNT_DISTINCT":
            self.distinct.add(v)

    def result(self):
        if self.func == "COUNT":
            return self.count
        if self.func == "COUNT_DISTINCT":
            return len(self.distinct)
        if self.func == "SUM":
            return self.total if self.count else None
        if self.func == "AVG":
            return self.total / self.count if self.count else None
        return self.value
