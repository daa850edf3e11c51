"""AST -> canonical SOQL text. ``parse(render(q)) == q`` for every parsed query.

Canonical form: upper-case keywords, single spaces, names as written, ``!=`` for ``<>``,
datetimes in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (other offsets kept as ``+HH:MM``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from . import ast

_STRING_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}


def render_string(value: str) -> str:
    """Quote a Python string as a SOQL literal (``\\%`` and ``\\_`` stay LIKE escapes)."""
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value) and value[i + 1] in "%_":
            out.append(value[i : i + 2])
            i += 2
            continue
        out.append(_STRING_ESCAPES.get(ch, ch))
        i += 1
    return "'" + "".join(out) + "'"


def render_value(value: ast.Value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return render_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        if value.utcoffset() == timedelta(0):
            text = value.replace(tzinfo=None).isoformat()
            return text + "Z"
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ast.DateLiteral):
        return value.name if value.n is None else f"{value.name}:{value.n}"
    if isinstance(value, ast.CurrencyValue):
        return f"{value.code}{value.amount}"
    raise TypeError(f"not a SOQL value: {value!r}")


def render_operand(operand) -> str:
    """A field path, an aggregate or a function call (its arguments rendered too)."""
    if isinstance(operand, ast.FieldRef):
        return ".".join(operand.path)
    if isinstance(operand, ast.FunctionCall):
        return f"{operand.func}({', '.join(render_operand(a) for a in operand.args)})"
    if isinstance(operand, ast.Aggregate):
        inner = render_operand(operand.field) if operand.field is not None else ""
        return f"{operand.func}({inner})"
    return render_value(operand)


def _render_item(item: ast.SelectItem) -> str:
    if isinstance(item, ast.FieldRef | ast.Aggregate | ast.FunctionCall):
        text = render_operand(item)
        return f"{text} {item.alias}" if item.alias else text
    if isinstance(item, ast.SubQuery):
        return f"({render(item.query)})"
    if isinstance(item, ast.FieldsMacro):
        return f"FIELDS({item.kind})"
    if isinstance(item, ast.TypeOf):
        parts = [f"TYPEOF {item.field}"]
        for when in item.whens:
            fields = ", ".join(render_operand(f) for f in when.fields)
            parts.append(f"WHEN {when.sobject} THEN {fields}")
        if item.else_fields:
            parts.append("ELSE " + ", ".join(render_operand(f) for f in item.else_fields))
        parts.append("END")
        return " ".join(parts)
    raise TypeError(f"not a select item: {item!r}")


def _nested(expr: ast.Condition) -> str:
    text = render_condition(expr)
    return f"({text})" if isinstance(expr, ast.And | ast.Or) else text


def render_condition(expr: ast.Condition) -> str:
    """Render a WHERE/HAVING condition (without the keyword)."""
    if isinstance(expr, ast.And):
        return " AND ".join(_nested(e) for e in expr.items)
    if isinstance(expr, ast.Or):
        return " OR ".join(_nested(e) for e in expr.items)
    if isinstance(expr, ast.Not):
        return f"NOT ({render_condition(expr.item)})"
    field = render_operand(expr.field)
    if isinstance(expr, ast.Comparison):
        return f"{field} {expr.op} {render_value(expr.value)}"
    if isinstance(expr, ast.Like):
        return f"{field} LIKE {render_string(expr.pattern)}"
    if isinstance(expr, ast.InList):
        keyword = "NOT IN" if expr.negated else "IN"
        return f"{field} {keyword} ({', '.join(render_value(v) for v in expr.values)})"
    if isinstance(expr, ast.InSubquery):
        keyword = "NOT IN" if expr.negated else "IN"
        return f"{field} {keyword} ({render(expr.query)})"
    if isinstance(expr, ast.Includes):
        keyword = "EXCLUDES" if expr.excludes else "INCLUDES"
        return f"{field} {keyword} ({', '.join(render_string(v) for v in expr.values)})"
    raise TypeError(f"not a condition: {expr!r}")


def render(query: ast.Query) -> str:
    """Render a Query as canonical SOQL text."""
    parts = ["SELECT " + ", ".join(_render_item(i) for i in query.fields)]
    parts.append(f"FROM {query.sobject}" + (f" {query.alias}" if query.alias else ""))
    if query.using_scope:
        parts.append(f"USING SCOPE {query.using_scope}")
    if query.where is not None:
        parts.append("WHERE " + render_condition(query.where))
    if query.with_clause:
        parts.append(f"WITH {query.with_clause}")
    if query.data_category:
        filters = []
        for f in query.data_category:
            names = f.categories[0] if len(f.categories) == 1 else f"({', '.join(f.categories)})"
            filters.append(f"{f.group} {f.selector} {names}")
        parts.append("WITH DATA CATEGORY " + " AND ".join(filters))
    if query.group_by:
        items = ", ".join(render_operand(f) for f in query.group_by)
        if query.group_by_kind:
            items = f"{query.group_by_kind}({items})"
        parts.append("GROUP BY " + items)
    if query.having is not None:
        parts.append("HAVING " + render_condition(query.having))
    if query.order_by:
        items = []
        for item in query.order_by:
            text = render_operand(item.field)
            if item.descending:
                text += " DESC"
            if item.nulls:
                text += f" NULLS {item.nulls}"
            items.append(text)
        parts.append("ORDER BY " + ", ".join(items))
    if query.limit is not None:
        parts.append(f"LIMIT {query.limit}")
    if query.offset is not None:
        parts.append(f"OFFSET {query.offset}")
    if query.for_clause:
        parts.append(f"FOR {query.for_clause}")
    if query.update_clause:
        parts.append(f"UPDATE {query.update_clause}")
    return " ".join(parts)
