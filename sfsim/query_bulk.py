# ruff: noqa: S608 -- SQL is built only from quoted schema identifiers; values are bound parameters
"""Bulk API 2.0 query results: rows and CSV lines of a query, rendered inside SQLite.

What Bulk 2.0 query jobs refuse is refused here, before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from sfsim.errors import SalesforceError
from sfsim.query import Plan, parse
from sfsim.schema import COMPOUND
from sfsim.values import csv_datetime, printf_arg_sql
from soql import ast


def check_bulk_query(query: ast.Query) -> None:
    """Refuse what Bulk API 2.0 query jobs do not support (Salesforce's "Bulk API 2.0
    doesn't support SOQL queries that include": GROUP BY, OFFSET or TYPEOF clauses,
    aggregate functions such as COUNT(), compound fields, parent-to-child subqueries).
    The job is refused when it is created, rather than silently losing columns."""

    def refuse(what: str) -> SalesforceError:
        return SalesforceError("INVALID_FIELD", f"{what} not supported by Bulk API 2.0 query jobs.")

    if query.offset is not None:
        raise refuse("OFFSET is")
    if query.group_by:
        raise refuse("GROUP BY is")
    if any(isinstance(item, ast.TypeOf) for item in query.fields):
        raise refuse("TYPEOF is")
    if query.is_count or any(isinstance(item, ast.Aggregate) for item in query.fields):
        raise refuse("Aggregate queries are")
    if any(isinstance(item, ast.SubQuery) for item in query.fields):
        raise refuse("Parent-to-child subqueries are")


def run_rows(org, text: str, *, include_deleted: bool, user):
    """(header, rows) for Bulk API 2.0: header names like "Account.Name"; every value a
    string ("" for null, true/false, ISO datetimes with Z)."""
    query = parse(org, text)
    check_bulk_query(query)
    plan = Plan(org, query, include_deleted=include_deleted, user=user, csv=True)
    if plan.is_count or plan.is_aggregate:
        raise SalesforceError(
            "INVALID_FIELD", "Aggregate queries are not supported by Bulk API 2.0 query jobs."
        )
    header_cols = list(plan.columns)
    index = {c.path: i for i, c in enumerate(header_cols)}
    keep = [index[p] for p in _selected_paths(plan) if p in index]
    header = [".".join(header_cols[i].path) for i in keep]

    def rows():
        conn = org.new_connection()
        try:
            if plan.python_filter:
                for row in plan.raw_rows(conn):
                    yield [_csv_value(header_cols[i].field, row[i]) for i in keep]
            else:
                yield from _joined_rows(conn, plan, keep)
        finally:
            conn.close()

    return header, rows()


_SEP = "\x1f"  # ASCII unit separator: joins a row's values inside SQLite


def _joined_rows(conn, plan: Plan, keep: list[int]) -> Iterator[list[str]]:
    """Rows as lists of strings, fetched as one printf-joined string per row and split in
    Python (about 1.5x faster than letting sqlite3 build a tuple of many values). A row
    whose text holds the separator itself is fetched again column by column."""
    kept = [printf_arg_sql(plan.columns[i].expr, plan.columns[i].field) for i in keep]
    exprs = plan.select_exprs()
    pieces, params = [], []
    for start in range(0, len(kept), 100):  # SQLite functions take at most 127 arguments
        chunk = kept[start : start + 100]
        params.append(_SEP.join(["%s"] * len(chunk)))
        pieces.append(f"printf(?, {', '.join(chunk)})")
    select = f" || '{_SEP}' || ".join(pieces)
    sql = (
        f"SELECT {select}, t._rowid {plan.from_sql()} WHERE {plan.where_sql} "
        f"{plan.order_sql()}{plan._limit_sql()}"
    )
    one_row = f"SELECT {', '.join(exprs[i] for i in keep)} {plan.from_sql()} WHERE t._rowid = ?"
    width = len(kept)
    for line, rowid in conn.execute(sql, params + plan.params):
        row = line.split(_SEP)
        if len(row) != width:
            row = list(conn.execute(one_row, (rowid,)).fetchone())
        yield row


def run_lines(
    org, text: str, *, include_deleted: bool, user, delimiter: str = ",", line_ending: str = "\n"
) -> tuple[str, Iterator[str]]:
    """Like run_rows, but each row already formatted as one CSV line exactly as
    ``csv.writer(quoting=csv.QUOTE_ALL, delimiter=..., lineterminator=...)`` writes it
    (every value quoted, quotes doubled). SQLite formats the lines (printf with %w), which
    is several times faster than writing run_rows through the csv module."""
    query = parse(org, text)
    check_bulk_query(query)
    plan = Plan(org, query, include_deleted=include_deleted, user=user, csv=True)
    if plan.is_count or plan.is_aggregate:
        raise SalesforceError(
            "INVALID_FIELD", "Aggregate queries are not supported by Bulk API 2.0 query jobs."
        )
    index = {c.path: i for i, c in enumerate(plan.columns)}
    keep = [index[p] for p in _selected_paths(plan) if p in index]
    header = [".".join(plan.columns[i].path) for i in keep]
    quote_sep = '"' + delimiter + '"'
    end = '"' + line_ending

    def fmt(values) -> str:
        joined = "\x00".join(values)
        if '"' in joined:
            joined = joined.replace('"', '""')
        return '"' + joined.replace("\x00", quote_sep) + end

    if plan.python_filter:
        rows = run_rows(org, text, include_deleted=include_deleted, user=user)[1]

        def lines():
            try:
                for row in rows:
                    yield fmt(row)
            finally:
                rows.close()

        return fmt(header), lines()

    exprs = plan.select_exprs()
    kept = [exprs[i] for i in keep]
    pieces, params = [], []
    for start in range(0, len(kept), 100):  # SQLite functions take at most 127 arguments
        chunk = kept[start : start + 100]
        last = start + 100 >= len(kept)
        params.append(delimiter.join(['"%w"'] * len(chunk)) + (line_ending if last else delimiter))
        pieces.append(f"printf(?, {', '.join(chunk)})")
    select = " || ".join(pieces) if pieces else "''"
    sql = (
        f"SELECT {select} {plan.from_sql()} WHERE {plan.where_sql} {plan.order_sql()}"
        f"{plan._limit_sql()}"
    )

    def sql_lines():
        conn = org.new_connection()
        try:
            for (line,) in conn.execute(sql, params + plan.params):
                yield line
        finally:
            conn.close()

    return fmt(header), sql_lines()


def _selected_paths(plan: Plan) -> list:
    out = []
    for item in plan.query.fields:
        if isinstance(item, ast.FieldRef):
            found = plan.builder.resolve(item.path)
            if found:
                out.append(found[2])
        elif isinstance(item, ast.FieldsMacro):
            for name, f in plan.od.fields.items():
                if f["type"] in COMPOUND:
                    continue
                if (item.kind == "CUSTOM" and not f.get("custom")) or (
                    item.kind == "STANDARD" and f.get("custom")
                ):
                    continue
                out.append((name,))
    return list(dict.fromkeys(out))


def _csv_value(field: dict, value) -> str:
    if value is None:
        return ""
    ftype = field["type"]
    if ftype == "boolean":
        return "true" if value else "false"
    if ftype == "datetime":
        return csv_datetime(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return ""
    return str(value)
