from datetime import UTC, date, datetime

import pytest

import soql
from soql import ast

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)


def keep(rows, records, **kwargs):
    expr = soql.declarative_to_condition(rows, **kwargs)
    predicate = soql.compile_condition(expr, now=NOW)
    return [r["Id"] for r in records if predicate(soql.dict_getter(r))]


RECORDS = [
    {"Id": 1, "Name": "Acme", "Amount": 10, "Stage": "Won", "Closed": date(2024, 3, 1)},
    {"Id": 2, "Name": "acme_2", "Amount": 50, "Stage": "Lost", "Closed": None},
    {"Id": 3, "Name": "Globex 100%", "Amount": None, "Stage": None, "Closed": date(2023, 1, 1)},
]


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", "ACME", [1]),
        ("not equals", "acme", [2, 3]),
        ("less than", 50, [1]),
        ("greater than", 10, [2]),
        ("less or equal", 50, [1, 2]),
        ("greater or equal", 50, [2]),
        ("contains", "ME", [1, 2]),
        ("contains", "_", [2]),
        ("contains", "%", [3]),
        ("does not contain", "acme", [3]),
        ("starts with", "acme_", [2]),
        ("in", "Acme, Globex 100%", [1, 3]),
        ("not in", ["Acme"], [2, 3]),
        ("is null", None, []),
        ("is not null", None, [1, 2, 3]),
    ],
)
def test_operators(operator, value, expected):
    field = "Amount" if "than" in operator or "or " in operator else "Name"
    assert keep([{"field": field, "operator": operator, "value": value}], RECORDS) == expected


def test_rows_are_anded_and_values_typed_by_field():
    rows = [
        {"field": "Amount", "operator": "greater than", "value": "5"},
        {"field": "Closed", "operator": "equals", "value": "THIS_MONTH"},
        {"field": "Stage", "operator": "is not null", "value": None},
    ]
    types = {"Amount": "currency", "Closed": "date"}
    expr = soql.declarative_to_condition(rows, field_types=types)
    assert soql.render_condition(expr) == ("Amount > 5.0 AND Closed = THIS_MONTH AND Stage != null")
    assert keep(rows, RECORDS, field_types=types) == [1]


def test_typed_values():
    row = {"field": "Closed", "operator": "less than", "value": "2024-01-01"}
    expr = soql.declarative_to_condition([row], field_types={"Closed": "date"})
    assert expr == ast.Comparison(ast.FieldRef(("Closed",)), "<", date(2024, 1, 1))
    flag = {"field": "IsDeleted", "operator": "equals", "value": "TRUE"}
    expr = soql.declarative_to_condition([flag], field_types={"IsDeleted": "boolean"})
    assert expr.value is True


def test_no_rows_means_no_condition():
    assert soql.declarative_to_condition([]) is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"field": "Name", "operator": "sounds like", "value": "x"}, "Unknown filter operator"),
        ({"field": "Name; DROP", "operator": "equals", "value": "x"}, "is not a field name"),
        ({"field": "Name", "operator": "in", "value": " , "}, "needs at least one value"),
    ],
)
def test_bad_rows_say_what_to_do(row, message):
    with pytest.raises(soql.FilterError, match=message):
        soql.declarative_to_condition([row])


def test_bad_typed_value():
    row = {"field": "Amount", "operator": "equals", "value": "lots"}
    with pytest.raises(soql.FilterError, match="not a valid currency"):
        soql.declarative_to_condition([row], field_types={"Amount": "currency"})


def test_parse_where_positions_are_relative_to_the_clause():
    assert soql.parse_where("WHERE Name = 'x'") == soql.parse_where("Name = 'x'")
    with pytest.raises(soql.SoqlSyntaxError) as info:
        soql.parse_where("Name = 'x' AND\n  Amount >")
    assert (info.value.line, info.value.column) == (2, 12)
    with pytest.raises(soql.SoqlSyntaxError) as info:
        soql.parse_where("Name = 'x' LIMIT 5")
    assert (info.value.line, info.value.column, info.value.token) == (1, 12, "LIMIT")
