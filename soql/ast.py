"""The SOQL abstract syntax tree: frozen, hashable dataclasses.

A parsed query (``soql.parse``) is a :class:`Query`::

    Query(
        fields=(SelectItem, ...),     # FieldRef | Aggregate | SubQuery | TypeOf | FieldsMacro
        sobject="Contact",            # the FROM object (or child relationship in a SubQuery)
        alias="c" | None,             # FROM Contact c; "c." prefixes are stripped from paths
        where=Condition | None,
        with_clause="SECURITY_ENFORCED" | "USER_MODE" | "SYSTEM_MODE" | None,
        group_by=(FieldRef, ...),
        having=Condition | None,      # operands may be Aggregate
        order_by=(OrderItem, ...),
        limit=int | None,
        offset=int | None,
        for_clause="VIEW" | "REFERENCE" | "UPDATE" | None,
        using_scope="Mine" | ... | None,          # USING SCOPE
        data_category=(DataCategoryFilter, ...),  # WITH DATA CATEGORY
        group_by_kind="ROLLUP" | "CUBE" | None,   # GROUP BY ROLLUP(...) / CUBE(...)
        update_clause="TRACKING" | "VIEWSTAT" | None,
    )

Select items
    ``FieldRef(path=("Account", "Owner", "Name"))`` - a field or relationship path, names
    as written (case preserved).
    ``Aggregate(func="COUNT", field=None)`` is ``COUNT()``; ``Aggregate("SUM", FieldRef(..),
    alias="total")`` is ``SUM(Amount) total``. ``func`` is upper case, one of COUNT,
    COUNT_DISTINCT, SUM, MIN, MAX, AVG.
    ``SubQuery(query=Query(...))`` - a child relationship subquery; ``query.sobject`` is the
    child relationship name (e.g. ``Contacts``).
    ``TypeOf(field="What", whens=(TypeOfWhen("Account", (FieldRef,...)),...),
    else_fields=(FieldRef, ...))``.
    ``FieldsMacro(kind="ALL" | "STANDARD" | "CUSTOM")``.
    ``FunctionCall(func="toLabel", args=(FieldRef(("Status",)),), alias=None)`` for every
    other function (toLabel, FORMAT, convertCurrency, convertTimezone, GROUPING, the date
    functions, DISTANCE, GEOLOCATION). A FieldRef in an aggregate query may carry an
    ``alias`` (``SELECT LeadSource src, COUNT(Id) n FROM Lead GROUP BY LeadSource``).

Conditions (WHERE / HAVING)
    ``And(items)``, ``Or(items)`` (two or more items, as written: SOQL needs parentheses to
    mix AND and OR, so nesting mirrors the text), ``Not(item)``,
    ``Comparison(field, op, value)`` with op one of ``= != < <= > >=`` (``<>`` becomes ``!=``),
    ``Like(field, pattern)``, ``InList(field, values, negated)``,
    ``InSubquery(field, query, negated)`` (semi-join / anti-join),
    ``Includes(field, values, excludes)`` (multi-select picklists).
    ``field`` is a FieldRef, or an Aggregate in HAVING.

Values
    Python values: ``str``, ``int``, ``float``, ``bool``, ``None`` (null), ``datetime.date``,
    aware ``datetime.datetime`` and :class:`DateLiteral` (``DateLiteral("LAST_N_DAYS", 7)``,
    ``DateLiteral("TODAY")``). Strings hold the decoded text, except that the LIKE escapes
    ``\\%`` and ``\\_`` are kept as two characters so that LIKE can tell them from wildcards.

Positions (``pos``: (line, column), 1-based) and the query's ``source`` text are carried
for error messages but take no part in equality, so ``parse(render(q)) == q``.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime
from typing import Union

Pos = tuple[int, int]


@dataclass(frozen=True)
class DateLiteral:
    """A relative date literal such as TODAY or LAST_N_DAYS:7 (``n`` is None without ``:n``)."""

    name: str
    n: int | None = None


@dataclass(frozen=True)
class CurrencyValue:
    """A currency-prefixed literal of a multi-currency org: ``USD5000``, ``EUR12.50``."""

    code: str
    amount: int | float


Value = Union[str, int, float, bool, None, date, datetime, DateLiteral, CurrencyValue]  # noqa: UP007


@dataclass(frozen=True)
class FieldRef:
    path: tuple[str, ...]
    pos: Pos | None = _field(default=None, compare=False, repr=False)
    alias: str | None = None  # only in the select list of an aggregate query

    @property
    def name(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Aggregate:
    func: str
    field: FieldRef | None = None
    alias: str | None = None
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FunctionCall:
    """Any other function: ``toLabel(Status)``, ``FORMAT(Amount)``, ``convertCurrency(x)``,
    ``CALENDAR_YEAR(CreatedDate)``, ``DISTANCE(Loc__c, GEOLOCATION(1.5, 2), 'mi')``,
    ``GROUPING(Industry)``, and aggregates over a function (``SUM(convertCurrency(x))``).
    ``func`` is the canonical spelling (see ``soql.functions``); ``args`` are FieldRef,
    FunctionCall, Aggregate, str or number."""

    func: str
    args: tuple = ()
    alias: str | None = None
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class DataCategoryFilter:
    """``WITH DATA CATEGORY Geography__c AT (usa__c, uk__c)``: group, selector, categories."""

    group: str
    selector: str  # AT | ABOVE | BELOW | ABOVE_OR_BELOW
    categories: tuple[str, ...]


@dataclass(frozen=True)
class FieldsMacro:
    kind: str
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TypeOfWhen:
    sobject: str
    fields: tuple[FieldRef, ...]
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TypeOf:
    field: str
    whens: tuple[TypeOfWhen, ...]
    else_fields: tuple[FieldRef, ...] = ()
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SubQuery:
    query: Query


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef | Aggregate | FunctionCall
    descending: bool = False
    nulls: str | None = None  # "FIRST" | "LAST" | None (Salesforce default: nulls first)

    @property
    def nulls_first(self) -> bool:
        return self.nulls != "LAST"


Operand = Union[FieldRef, Aggregate, FunctionCall]  # noqa: UP007


@dataclass(frozen=True)
class Comparison:
    field: Operand
    op: str
    value: Value
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Like:
    field: Operand
    pattern: str
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class InList:
    field: Operand
    values: tuple[Value, ...]
    negated: bool = False
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class InSubquery:
    field: Operand
    query: Query
    negated: bool = False


@dataclass(frozen=True)
class Includes:
    field: Operand
    values: tuple[str, ...]
    excludes: bool = False
    pos: Pos | None = _field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class And:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Union[Comparison, Like, InList, InSubquery, Includes, And, Or, Not]  # noqa: UP007
Logical = (And, Or)
SelectItem = Union[FieldRef, Aggregate, FunctionCall, SubQuery, TypeOf, FieldsMacro]  # noqa: UP007


@dataclass(frozen=True)
class Query:
    fields: tuple[SelectItem, ...]
    sobject: str
    alias: str | None = None
    where: Condition | None = None
    with_clause: str | None = None
    group_by: tuple[FieldRef | FunctionCall, ...] = ()
    having: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    for_clause: str | None = None
    using_scope: str | None = None
    data_category: tuple[DataCategoryFilter, ...] = ()
    group_by_kind: str | None = None  # "ROLLUP" | "CUBE" | None
    update_clause: str | None = None  # "TRACKING" | "VIEWSTAT" | None
    sobject_pos: Pos | None = _field(default=None, compare=False, repr=False)
    source: str = _field(default="", compare=False, repr=False)

    @property
    def is_count(self) -> bool:
        """True for ``SELECT COUNT() FROM ...`` (the answer is a number, no records)."""
        return (
            len(self.fields) == 1
            and isinstance(self.fields[0], Aggregate)
            and self.fields[0].func == "COUNT"
            and self.fields[0].field is None
        )


def condition_fields(expr: Condition | None) -> list[Operand]:
    """Every operand (FieldRef/Aggregate) a condition reads, outer query only."""
    out: list[Operand] = []

    def walk(e):
        if e is None:
            return
        if isinstance(e, And | Or):
            for item in e.items:
                walk(item)
        elif isinstance(e, Not):
            walk(e.item)
        else:
            out.append(e.field)

    walk(expr)
    return out
