"""Hostile or oversized SOQL gets the package's own MALFORMED_QUERY error, never another
exception (which would be a 500 in the product): NUL characters, deep nesting, Salesforce's
length limits, and dates at the ends of the calendar."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

import soql
from soql.errors import SoqlLimitError, SoqlSyntaxError
from soql.limits import MAX_NESTING, MAX_STATEMENT_CHARS, MAX_WHERE_STRING_CHARS

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)


def test_nul_character_in_a_filter_string_is_refused_with_its_position():
    with pytest.raises(SoqlLimitError) as caught:
        soql.parse_where("Name = 'Acme\x00'")
    assert (
        str(caught.value) == "The filter contains a NUL character (at row 1, column 13): remove it."
    )
    assert caught.value.error_code == "MALFORMED_QUERY"
    assert isinstance(caught.value, SoqlSyntaxError)


def test_nul_character_outside_a_string_and_in_a_query_is_refused():
    with pytest.raises(SoqlLimitError, match="The filter contains a NUL character"):
        soql.parse_condition("Name\x00 = 'x'")
    with pytest.raises(SoqlLimitError, match="The query contains a NUL character"):
        soql.parse("SELECT Id FROM Account WHERE Name = '\x00'")


@pytest.mark.parametrize(
    "text",
    [
        "NOT " * 1000 + "x = 1",
        "(" * 1000 + "x = 1" + ")" * 1000,
        "NOT (" * 600 + "x = 1" + ")" * 600,
        "x = 1 OR (" * 500 + "x = 2" + ")" * 500,
    ],
    ids=["not-chain", "parentheses", "not-parentheses", "or-groups"],
)
def test_a_thousand_levels_of_nesting_is_refused_clearly(text):
    with pytest.raises(SoqlLimitError) as caught:
        soql.parse_where(text)
    assert str(caught.value).startswith(
        f"The filter is nested too deeply (limit {MAX_NESTING} levels"
    )


def test_nested_subqueries_count_as_levels():
    text = "Id IN (SELECT AccountId FROM Contact WHERE " * 120 + "x = 1" + ")" * 120
    with pytest.raises(SoqlLimitError, match="nested too deeply"):
        soql.parse_where(text)


def test_nesting_up_to_the_limit_parses_renders_and_evaluates():
    text = "NOT " * (MAX_NESTING - 1) + "(x = 1)"
    condition = soql.parse_where(text)
    assert soql.parse_where(soql.render_condition(condition)) == condition
    keep = soql.compile_condition(condition, now=NOW)
    # An odd number of NOTs (99) negates: x = 1 fails, x = 2 passes.
    assert keep(soql.dict_getter({"x": 1})) is False
    assert keep(soql.dict_getter({"x": 2})) is True
    sql, params = soql.compile_condition_sql(condition, lambda path: '"x"', now=NOW)
    assert sql.count("(NOT ") == MAX_NESTING - 1 and params == [1]


def test_parentheses_inside_strings_do_not_count_as_nesting():
    condition = soql.parse_where("Name = '" + "(" * 500 + "'")
    assert condition.value == "(" * 500


def test_query_longer_than_salesforce_accepts_is_refused_with_the_limit():
    text = "SELECT Id FROM Account WHERE " + " OR ".join(["Name = 'abcdefgh'"] * 6000)  # noqa: S608
    assert len(text) > MAX_STATEMENT_CHARS
    with pytest.raises(SoqlLimitError) as caught:
        soql.parse(text)
    message = str(caught.value)
    assert f"is {len(text):,} characters long" in message
    assert "Salesforce accepts SOQL statements of at most 100,000 characters" in message
    assert len(message) < 200  # the message names the limit, it does not echo the text


def test_filter_longer_than_salesforce_accepts_is_refused_when_saved():
    text = " OR ".join(["Name = 'abcdefgh'"] * 6000)
    with pytest.raises(SoqlLimitError, match="at most 100,000 characters, the query around"):
        soql.parse_where(text)


def test_string_longer_than_4000_characters_is_refused():
    ok = soql.parse_where("Name = '" + "a" * MAX_WHERE_STRING_CHARS + "'")
    assert len(ok.value) == 4000
    with pytest.raises(SoqlLimitError) as caught:
        soql.parse_where("Name = '" + "a" * (MAX_WHERE_STRING_CHARS + 1) + "'")
    assert str(caught.value) == (
        "A string in the query is 4,001 characters long; Salesforce accepts at most 4,000 "
        "characters for each string in a WHERE clause."
    )
    with pytest.raises(SoqlLimitError):
        soql.parse_where("Name IN ('a', '" + "b" * 5000 + "')")
    with pytest.raises(SoqlLimitError):
        soql.parse_where("Name LIKE '" + "%" * 5000 + "'")


def test_datetime_past_the_last_instant_is_a_syntax_error():
    with pytest.raises(SoqlSyntaxError, match="invalid datetime: 9999-12-31T23:00:00-05:00"):
        soql.parse_where("CreatedDate > 9999-12-31T23:00:00-05:00")


def test_non_text_is_refused_as_soql_error():
    with pytest.raises(SoqlLimitError, match="must be text"):
        soql.parse_where(None)


EDGE_CONDITIONS = [
    "d = 9999-12-31",
    "d >= 0001-01-01",
    "d IN (9999-12-31, 0001-01-01)",
    "t < 9999-12-31T23:59:59Z",
    "t > 0001-01-01T00:00:00Z",
    "d = LAST_N_DAYS:999999999999",
    "d = N_YEARS_AGO:5000",
    "d > NEXT_N_YEARS:99999",
    "d IN (LAST_N_WEEKS:999999999999999, TODAY)",
    "d != NEXT_YEAR",
]
EDGE_ZONES = [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
EDGE_NOWS = [NOW, datetime(9999, 12, 31, 23, tzinfo=UTC), datetime(1, 1, 1, 1, tzinfo=UTC)]
EDGE_RECORDS = [
    {"d": None, "t": None},
    {"d": date(9999, 12, 31), "t": datetime(9999, 12, 31, 23, 59, tzinfo=UTC)},
    {"d": date(1, 1, 1), "t": datetime(1, 1, 1, tzinfo=UTC)},
    {"d": "2024-01-01", "t": "2024-01-01T10:00:00.000+0000"},
]


@pytest.mark.parametrize("text", EDGE_CONDITIONS)
def test_calendar_edges_compile_and_evaluate_without_overflow(text):
    condition = soql.parse_where(text)
    outcomes = set()
    for tz in EDGE_ZONES:
        for now in EDGE_NOWS:
            keep = soql.compile_condition(condition, now=now, tz=tz)
            outcomes.update(keep(soql.dict_getter(r)) for r in EDGE_RECORDS)
            sql, params = soql.compile_condition_sql(
                condition, lambda path: f'"{path[0]}"', now=now, tz=tz
            )
            assert sql.startswith("(") and params
    assert outcomes <= {True, False}


def test_huge_relative_date_ranges_are_clamped_to_the_calendar():
    start, end = soql.dates.date_range(soql.ast.DateLiteral("LAST_N_DAYS", 10**12), now=NOW)
    assert start == date(1, 1, 2) and end == date(2026, 1, 16)
    start, end = soql.dates.date_range(soql.ast.DateLiteral("NEXT_N_YEARS", 99999), now=NOW)
    assert start == date(2027, 1, 1) and end == date(9999, 12, 30)


@pytest.mark.parametrize("operator", ["equals", "starts with", "in"])
def test_declarative_rows_refuse_nul_and_over_long_values(operator):
    with pytest.raises(soql.FilterError, match="contains a NUL character"):
        soql.declarative_to_condition([{"field": "Name", "operator": operator, "value": "a\x00"}])
    with pytest.raises(soql.FilterError, match="at most 4,000 characters"):
        soql.declarative_to_condition(
            [{"field": "Name", "operator": operator, "value": "a" * 4001}]
        )
    ok = soql.declarative_to_condition([{"field": "Name", "operator": operator, "value": "Ac"}])
    assert "Name" in soql.render_condition(ok)
