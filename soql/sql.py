"""Translate a WHERE condition into an SQLite WHERE fragment with ``?`` parameters.

Storage the fragment expects (the simulator's): strings as TEXT, numbers as INTEGER/REAL,
booleans as 0/1, null as NULL, dates as ``'YYYY-MM-DD'``, datetimes in UTC as
``'YYYY-MM-DDTHH:MM:SS.000+0000'`` (Salesforce's format), multi-select picklists as
``'a;b'``. ``column(path)`` gives the SQL expression for a field path (e.g. a quoted column
name) or None when the path is not a column.

The fragment gives the same rows as ``soql.evaluate.compile_condition`` (two-valued logic:
a null field passes ``!=``, ``NOT IN`` and ``EXCLUDES`` and fails everything else), with
one difference: case-insensitivity is SQLite's (ASCII letters only), the evaluator folds
all of Unicode. A date (or date literal) compared with a value stored as a datetime is
compared by day in ``tz``, chosen at run time by the stored value's length.

``NotTranslatable`` is raised for: paths ``column`` returns None for (relationship paths
the storage cannot join), aggregate operands (HAVING), and semi-joins when no
``semi_join`` callback is given or it returns more than 30,000 Ids. Evaluate those in
Python with ``compile_condition`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo

from . import ast
from .dates import add_days, clamp, date_range
from .errors import NotTranslatable

_MAX_SEMI_JOIN_IDS = 30_000
_SQL_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def format_datetime(value: datetime) -> str:
    """Salesforce's datetime text in UTC: ``2024-01-31T10:00:00.000+0000`` (naive = UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Compiler:
    def __init__(self, column, now, tz, semi_join):
        self.column = column
        self.now = now
        self.tz = tz
        self.semi_join = semi_join
        self.params: list = []

    def param(self, value) -> str:
        self.params.append(value)
        return "?"

    def col(self, operand: ast.Operand) -> str:
        if not isinstance(operand, ast.FieldRef):
            raise NotTranslatable("aggregate functions are evaluated after grouping")
        sql = self.column(operand.path)
        if sql is None:
            raise NotTranslatable(f"no column for {'.'.join(operand.path)}")
        return sql

    def midnight(self, day: date) -> str:
        return format_datetime(datetime.combine(clamp(day), time(0), self.tz))

    # ------------------------------------------------------------------------------
    def condition(self, expr: ast.Condition) -> str:
        if isinstance(expr, ast.And):
            return "(" + " AND ".join(self.condition(e) for e in expr.items) + ")"
        if isinstance(expr, ast.Or):
            return "(" + " OR ".join(self.condition(e) for e in expr.items) + ")"
        if isinstance(expr, ast.Not):
            return f"(NOT {self.condition(expr.item)})"
        if isinstance(expr, ast.Comparison):
            return self.comparison(expr)
        if isinstance(expr, ast.Like):
            col = self.col(expr.field)
            return f"({col} IS NOT NULL AND {col} LIKE {self.param(expr.pattern)} ESCAPE '\\')"
        if isinstance(expr, ast.InList):
            return self.in_list(expr)
        if isinstance(expr, ast.Includes):
            return self.includes(expr)
        if isinstance(expr, ast.InSubquery):
            return self.in_subquery(expr)
        raise TypeError(f"not a condition: {expr!r}")

    def comparison(self, expr: ast.Comparison) -> str:
        col = self.col(expr.field)
        op, value = expr.op, expr.value
        if value is None:
            if op == "=":
                return f"({col} IS NULL)"
            if op == "!=":
                return f"({col} IS NOT NULL)"
            return "(0)"
        if isinstance(value, ast.DateLiteral):
            start, end = date_range(value, now=self.now, tz=self.tz)
            return self.day_range(col, op, start, end)
        if isinstance(value, datetime):
            return self.datetime_cmp(col, op, value)
        if isinstance(value, date):
            return self.day_range(col, op, value, add_days(value, 1))
        if isinstance(value, bool):
            value = int(value)
        sql_op = _SQL_OPS[op]
        collate = " COLLATE NOCASE" if isinstance(value, str) else ""
        test = f"{col} {sql_op} {self.param(value)}{collate}"
        if op == "!=":
            return f"({col} IS NULL OR {test})"
        return f"({col} IS NOT NULL AND {test})"

    def _in_days(self, col, op, start: str, end: str) -> str:
        if op == "=":
            return f"({col} >= {self.param(start)} AND {col} < {self.param(end)})"
        if op == "!=":
            return f"({col} < {self.param(start)} OR {col} >= {self.param(end)})"
        if op == "<":
            return f"({col} < {self.param(start)})"
        if op == "<=":
            return f"({col} < {self.param(end)})"
        if op == ">":
            return f"({col} >= {self.param(end)})"
        return f"({col} >= {self.param(start)})"

    def day_range(self, col: str, op: str, start: date, end: date) -> str:
        """``col`` against the days [start, end): by date text, or by datetime in ``tz``."""
        days = (start.isoformat(), end.isoformat())
        midnights = (self.midnight(start), self.midnight(end))
        as_date = self._in_days(col, op, *days)
        as_datetime = self._in_days(col, op, *midnights)
        first = 1 if op == ">" else 0  # "> day" starts at the next day
        last = 0 if op == "<" else 1
        lowest = min(days[first], midnights[first])
        highest = max(days[last], midnights[last])
        return self._by_length(col, op, as_date, as_datetime, lowest, highest)

    def datetime_cmp(self, col: str, op: str, value: datetime) -> str:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        sql_op = _SQL_OPS[op]
        # Parameters are appended in the order they appear in the SQL text.
        # A date is its midnight in tz: find the dates whose midnight satisfies the test.
        try:
            local = value.astimezone(self.tz)
        except OverflowError:  # within hours of year 1 or 9999: compare in UTC
            local = value.astimezone(UTC)
        day = local.date().isoformat()
        at_midnight = local.timetz().replace(tzinfo=None) == time(0)
        if at_midnight:
            as_date = f"{col} {sql_op} {self.param(day)}"
        elif op in ("<", "<="):
            as_date = f"{col} <= {self.param(day)}"
        elif op in (">", ">="):
            as_date = f"{col} > {self.param(day)}"
        else:
            as_date = "0" if op == "=" else "1"
        text = format_datetime(value)
        as_datetime = f"{col} {sql_op} {self.param(text)}"
        # A date passing "> day" is at least the next day's text: with the last digit
        # raised, that is the smallest 10-character text above it.
        after_day = op == ">" or (op == ">=" and not at_midnight)
        first_date = day[:-1] + chr(ord(day[-1]) + 1) if after_day else day
        lowest, highest = min(first_date, text), max(day, text)
        return self._by_length(col, op, as_date, as_datetime, lowest, highest)

    def _by_length(
        self, col: str, op: str, as_date: str, as_datetime: str, lowest: str, highest: str
    ) -> str:
        """``as_date`` for a value stored as a date, ``as_datetime`` for one stored as a
        datetime (their parameters already taken, so whatever follows comes after them).
        The CASE alone cannot use an index on ``col``, so a range that every row passing
        either branch lies in (from ``lowest`` to ``highest``, texts either branch
        compares with) is ANDed to it: a filter on an indexed stamp such as SystemModstamp
        then reads only the rows in range, as Salesforce's own index does."""
        missing = "1" if op == "!=" else "0"
        # likelihood(): without statistics SQLite would rather scan the table in rowid
        # order than use the index; a filter on a stamp usually selects few rows.
        if op in (">", ">="):
            in_range = f" AND likelihood({col} >= {self.param(lowest)}, 0.01)"
        elif op in ("<", "<="):
            in_range = f" AND likelihood({col} <= {self.param(highest)}, 0.01)"
        elif op == "=":
            in_range = (
                f" AND likelihood({col} >= {self.param(lowest)}, 0.01)"
                f" AND {col} <= {self.param(highest)}"
            )
        else:  # != also passes null and everything outside the range
            in_range = ""
        return (
            f"(CASE WHEN {col} IS NULL THEN {missing} WHEN length({col}) = 10 "
            f"THEN {as_date} ELSE {as_datetime} END{in_range})"
        )

    def in_list(self, expr: ast.InList) -> str:
        col = self.col(expr.field)
        plain = []
        has_null = False
        literals = []
        for value in expr.values:
            if value is None:
                has_null = True
            elif isinstance(value, ast.DateLiteral):
                literals.append(value)
            elif isinstance(value, datetime):
                plain.append(format_datetime(value))
            elif isinstance(value, date):
                plain.append(value.isoformat())
            elif isinstance(value, bool):
                plain.append(int(value))
            else:
                plain.append(value)
        tests = []
        if plain:
            marks = ", ".join(self.param(v) for v in plain)
            tests.append(f"({col} IS NOT NULL AND {col} COLLATE NOCASE IN ({marks}))")
        if has_null:
            tests.append(f"({col} IS NULL)")
        for literal in literals:
            start, end = date_range(literal, now=self.now, tz=self.tz)
            tests.append(self.day_range(col, "=", start, end))
        member = "(" + " OR ".join(tests) + ")" if tests else "(0)"
        return f"(NOT {member})" if expr.negated else member

    def includes(self, expr: ast.Includes) -> str:
        col = self.col(expr.field)
        alternatives = []
        for value in expr.values:
            parts = [p for p in value.split(";") if p]
            checks = [
                f"(';' || {col} || ';') LIKE {self.param('%;' + _like_escape(p) + ';%')} "
                "ESCAPE '\\'"
                for p in parts
            ]
            alternatives.append("(" + " AND ".join(checks or ["1"]) + ")")
        found = "(" + " OR ".join(alternatives) + ")"
        if expr.excludes:
            return f"({col} IS NULL OR NOT {found})"
        return f"({col} IS NOT NULL AND {found})"

    def in_subquery(self, expr: ast.InSubquery) -> str:
        if self.semi_join is None:
            raise NotTranslatable("semi-join subqueries need a semi_join callback")
        col = self.col(expr.field)
        ids = sorted(self.semi_join(expr.query))
        if len(ids) > _MAX_SEMI_JOIN_IDS:
            raise NotTranslatable(f"semi-join returned {len(ids)} Ids, too many parameters")
        if not ids:
            return "(1)" if expr.negated else "(0)"
        marks = ", ".join(self.param(i) for i in ids)
        if expr.negated:
            return f"({col} IS NULL OR {col} NOT IN ({marks}))"
        return f"({col} IS NOT NULL AND {col} IN ({marks}))"


def compile_condition_sql(
    expr: ast.Condition | None,
    column: Callable[[tuple[str, ...]], str | None],
    *,
    now: datetime,
    tz: tzinfo = UTC,
    semi_join: Callable[[ast.Query], set] | None = None,
) -> tuple[str, list]:
    """``(sql, params)`` for ``expr``; ``("1", [])`` when there is no condition.

    Raises NotTranslatable when some part cannot run in SQLite (see the module docstring).
    """
    if expr is None:
        return "1", []
    compiler = _Compiler(column, now, tz, semi_join)
    sql = compiler.condition(expr)
    return sql, compiler.params
