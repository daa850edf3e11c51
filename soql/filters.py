"""Record filters for templates: declarative rows or a SOQL WHERE clause, both as conditions.

Declarative rows are ``{"field": "Account.Name", "operator": "starts with", "value": "Ac"}``;
all rows are ANDed. Operators: equals, not equals, less than, greater than, less or equal,
greater or equal, contains, does not contain, starts with, in, not in, is null, is not null.

Values are used as given (str, int, float, bool, date, aware datetime, DateLiteral, or a list
for ``in``/``not in``; a string for ``in`` is split on commas). When ``field_types`` maps a
field (as written in the row) to its Salesforce type, string values are converted to that
type first ("true" for boolean, "2024-01-31" or "LAST_N_DAYS:30" for date/datetime, numbers
for numeric types), so values typed into a form work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from . import ast
from .limits import MAX_WHERE_STRING_CHARS
from .parser import parse_condition

OPERATORS = {
    "equals": "=",
    "not equals": "!=",
    "less than": "<",
    "greater than": ">",
    "less or equal": "<=",
    "greater or equal": ">=",
}
LIKE_OPERATORS = ("contains", "does not contain", "starts with")
ALL_OPERATORS = (*OPERATORS, *LIKE_OPERATORS, "in", "not in", "is null", "is not null")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DATE_LITERAL = re.compile(r"([A-Za-z_0-9]+)(?:\s*:\s*(\d+))?")


class FilterError(ValueError):
    """A declarative filter row that cannot be turned into a condition."""


def parse_where(text: str) -> ast.Condition:
    """Parse a bare WHERE clause (``WHERE`` keyword optional).

    Raises SoqlSyntaxError with row/column relative to ``text``.
    """
    return parse_condition(text)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _check_text(value, field: str) -> None:
    """The limits a WHERE clause string has (see ``soql.limits``), for declarative values."""
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise FilterError(f"The value for field {field} contains a NUL character: remove it.")
    if len(value) > MAX_WHERE_STRING_CHARS:
        raise FilterError(
            f"The value for field {field} is {len(value):,} characters long; Salesforce accepts "
            f"at most {MAX_WHERE_STRING_CHARS:,} characters for each string in a WHERE clause."
        )


def _coerce(value, field_type: str | None, field: str):
    _check_text(value, field)
    if not isinstance(value, str) or field_type is None:
        return value
    text = value.strip()
    try:
        if field_type == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if field_type in ("int", "long"):
            return int(text)
        if field_type in ("double", "currency", "percent"):
            return float(text)
        if field_type in ("date", "datetime"):
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = date.fromisoformat(text)
                if field_type == "date":
                    return day
                return datetime.fromisoformat(text + "T00:00:00+00:00")
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", text, re.IGNORECASE):
                return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
            match = _DATE_LITERAL.fullmatch(text)
            if match:
                n = int(match.group(2)) if match.group(2) else None
                return ast.DateLiteral(match.group(1).upper(), n)
            raise ValueError(text)
    except ValueError:
        raise FilterError(
            f"The value '{value}' for field {field} is not a valid {field_type}: "
            "use true/false, a number, a date like 2024-01-31 or a date literal like TODAY."
        ) from None
    return value


def _field(name) -> ast.FieldRef:
    parts = tuple(str(name or "").strip().split("."))
    if not all(_NAME.fullmatch(p) for p in parts):
        raise FilterError(f"'{name}' is not a field name: use names like Name or Account.Name.")
    return ast.FieldRef(parts)


def _row_condition(row: Mapping, field_types: Mapping[str, str]) -> ast.Condition:
    ref = _field(row.get("field"))
    operator = str(row.get("operator", "")).strip().lower()
    field_type = field_types.get(str(row.get("field")).strip())
    value = row.get("value")
    if operator in OPERATORS:
        return ast.Comparison(ref, OPERATORS[operator], _coerce(value, field_type, ref.name))
    if operator in LIKE_OPERATORS:
        _check_text("" if value is None else str(value), ref.name)
        text = _like_escape("" if value is None else str(value))
        pattern = f"{text}%" if operator == "starts with" else f"%{text}%"
        like = ast.Like(ref, pattern)
        return ast.Not(like) if operator == "does not contain" else like
    if operator in ("in", "not in"):
        # Each listed value is its own string literal: _coerce checks them one by one.
        if isinstance(value, str):
            values = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, list | tuple | set):
            values = list(value)
        else:
            values = [value]
        if not values:
            raise FilterError(
                f"The filter on {ref.name} needs at least one value for '{operator}'."
            )
        coerced = tuple(_coerce(v, field_type, ref.name) for v in values)
        return ast.InList(ref, coerced, operator == "not in")
    if operator == "is null":
        return ast.Comparison(ref, "=", None)
    if operator == "is not null":
        return ast.Comparison(ref, "!=", None)
    raise FilterError(
        f"Unknown filter operator '{row.get('operator')}': use one of {', '.join(ALL_OPERATORS)}."
    )


def declarative_to_condition(
    rows: list[Mapping], *, field_types: Mapping[str, str] | None = None
) -> ast.Condition | None:
    """AND of the rows' conditions; None for no rows (every record passes)."""
    conditions = [_row_condition(row, field_types or {}) for row in rows]
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return ast.And(tuple(conditions))
