from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

import soql

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)  # a Friday


def matches(where, record, *, tz=UTC, semi_join=None):
    predicate = soql.compile_condition(soql.parse_where(where), now=NOW, tz=tz, semi_join=semi_join)
    return predicate(soql.dict_getter(record))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Name = null", True),
        ("Name != null", False),
        ("Name = 'x'", False),
        ("Name != 'x'", True),
        ("Name < 'x'", False),
        ("Name > 'x'", False),
        ("Name LIKE '%'", False),
        ("Name IN ('x')", False),
        ("Name NOT IN ('x')", True),
        ("Name IN ('x', null)", True),
        ("NOT Name = 'x'", True),
        ("Amount > 0", False),
        ("Amount != 0", True),
        ("Tags INCLUDES ('a')", False),
        ("Tags EXCLUDES ('a')", True),
        ("Closed = false", False),
        ("CreatedDate = TODAY", False),
        ("CreatedDate != TODAY", True),
    ],
)
def test_null_fields(where, expected):
    assert matches(where, {}) is expected


def test_strings_compare_case_insensitively():
    record = {"Name": "Acme Corp"}
    assert matches("Name = 'ACME corp'", record)
    assert not matches("Name != 'acme CORP'", record)
    assert matches("Name IN ('x', 'acme corp')", record)
    assert matches("Name > 'ABC' AND Name < 'acz'", record)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("acme%", True),
        ("%CORP", True),
        ("%me c%", True),
        ("Acme_Corp", True),
        ("Acme__Corp", False),
        ("Acme", False),
        ("100\\%", False),
    ],
)
def test_like(pattern, expected):
    assert matches(f"Name LIKE '{pattern}'", {"Name": "Acme Corp"}) is expected


def test_like_escapes_match_literal_wildcards():
    assert matches("Name LIKE '100\\%'", {"Name": "100%"})
    assert not matches("Name LIKE '100\\%'", {"Name": "1000"})
    assert matches("Name LIKE 'a\\_b'", {"Name": "a_b"})
    assert not matches("Name LIKE 'a\\_b'", {"Name": "axb"})


def test_numbers_booleans_and_logic():
    record = {"Amount": 150.5, "Count": 3, "Closed": True}
    assert matches("Amount > 100 AND Amount <= 150.5", record)
    assert matches("Count IN (1, 2, 3)", record)
    assert matches("Closed = true AND NOT (Count = 1 OR Count = 2)", record)
    assert not matches("Closed = false OR Amount < 100", record)


def test_date_literals_on_date_fields():
    assert matches("Day = TODAY", {"Day": date(2024, 3, 15)})
    assert matches("Day = YESTERDAY", {"Day": date(2024, 3, 14)})
    assert matches("Day = THIS_WEEK", {"Day": date(2024, 3, 10)})  # weeks start on Sunday
    assert not matches("Day = THIS_WEEK", {"Day": date(2024, 3, 9)})
    assert matches("Day = LAST_WEEK", {"Day": date(2024, 3, 9)})
    assert matches("Day = LAST_N_DAYS:2", {"Day": date(2024, 3, 13)})
    assert matches("Day = LAST_N_DAYS:2", {"Day": date(2024, 3, 15)})
    assert not matches("Day = LAST_N_DAYS:2", {"Day": date(2024, 3, 12)})
    assert matches("Day = NEXT_N_DAYS:1", {"Day": date(2024, 3, 16)})
    assert not matches("Day = NEXT_N_DAYS:1", {"Day": date(2024, 3, 15)})
    assert matches("Day = N_DAYS_AGO:3", {"Day": date(2024, 3, 12)})
    assert matches("Day = LAST_MONTH", {"Day": date(2024, 2, 29)})
    assert matches("Day = THIS_QUARTER", {"Day": date(2024, 1, 1)})
    assert matches("Day = LAST_QUARTER", {"Day": date(2023, 12, 31)})
    assert matches("Day = NEXT_YEAR", {"Day": date(2025, 6, 1)})
    assert matches("Day = LAST_N_MONTHS:2", {"Day": date(2024, 1, 1)})
    assert not matches("Day = LAST_N_MONTHS:2", {"Day": date(2024, 3, 1)})
    assert matches("Day = LAST_90_DAYS", {"Day": date(2023, 12, 16)})
    assert matches("Day < THIS_MONTH", {"Day": date(2024, 2, 29)})
    assert matches("Day > THIS_MONTH", {"Day": date(2024, 4, 1)})
    assert matches("Day <= THIS_MONTH", {"Day": date(2024, 3, 31)})
    assert not matches("Day >= THIS_MONTH", {"Day": date(2024, 2, 29)})


def test_date_literals_on_datetime_fields_follow_the_time_zone():
    record = {"CreatedDate": datetime(2024, 3, 1, 5, 0, tzinfo=UTC)}
    assert matches("CreatedDate = THIS_MONTH", record)
    los_angeles = ZoneInfo("America/Los_Angeles")  # it is still February 29 there
    assert not matches("CreatedDate = THIS_MONTH", record, tz=los_angeles)
    assert matches("CreatedDate = LAST_MONTH", record, tz=los_angeles)


def test_date_and_datetime_literals():
    record = {"Day": date(2024, 1, 31), "Stamp": datetime(2024, 1, 31, 10, 0, tzinfo=UTC)}
    assert matches("Day = 2024-01-31 AND Day < 2024-02-01", record)
    assert matches("Stamp = 2024-01-31T12:00:00+02:00", record)
    assert matches("Stamp > 2024-01-31T09:59:59Z AND Stamp < 2024-01-31T10:00:01Z", record)


def test_includes_and_excludes():
    for tags in (["a", "b", "c"], "a;b;c"):
        record = {"Tags": tags}
        assert matches("Tags INCLUDES ('a;c')", record)
        assert matches("Tags INCLUDES ('x', 'B')", record)
        assert not matches("Tags INCLUDES ('a;x')", record)
        assert matches("Tags EXCLUDES ('x', 'y;a')", record)
        assert not matches("Tags EXCLUDES ('c')", record)


def test_relationship_paths_and_semi_joins():
    record = {"Id": "001A", "Account": {"Name": "Acme"}}
    assert matches("Account.Name = 'acme'", record)
    assert not matches("Owner.Name = 'acme'", record)
    calls = []

    def semi_join(query):
        calls.append(query.sobject)
        return {"001A"}

    assert matches("Id IN (SELECT AccountId FROM Contact)", record, semi_join=semi_join)
    assert not matches("Id NOT IN (SELECT AccountId FROM Contact)", record, semi_join=semi_join)
    assert calls == ["Contact", "Contact"]
    with pytest.raises(ValueError, match="semi_join"):
        matches("Id IN (SELECT AccountId FROM Contact)", record)


def test_having_reads_aggregates_by_their_text():
    query = soql.parse(
        "SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 1"
    )
    predicate = soql.compile_condition(query.having, now=NOW)
    assert predicate({("COUNT(Id)",): 2}.get)
    assert not predicate({("COUNT(Id)",): 1}.get)


def test_no_condition_accepts_everything():
    assert soql.compile_condition(None, now=NOW)(lambda path: None)


def test_order_key():
    rows = [
        {"Id": 1, "Name": "beta", "Amount": 5},
        {"Id": 2, "Name": None, "Amount": 7},
        {"Id": 3, "Name": "Alpha", "Amount": None},
        {"Id": 4, "Name": "alpha", "Amount": 9},
    ]

    def order(text):
        items = soql.parse(f"SELECT Id FROM X ORDER BY {text}").order_by  # noqa: S608 (SOQL)
        key = soql.order_key(items)
        return [r["Id"] for r in sorted(rows, key=lambda r: key(soql.dict_getter(r)))]

    assert order("Name") == [2, 3, 4, 1]  # nulls first, case-insensitive, stable
    assert order("Name NULLS LAST") == [3, 4, 1, 2]
    assert order("Name DESC") == [2, 1, 3, 4]
    assert order("Name DESC NULLS LAST") == [1, 3, 4, 2]
    assert order("Name ASC, Amount DESC") == [2, 3, 4, 1]
    assert order("Name ASC, Amount DESC NULLS LAST") == [2, 4, 3, 1]
    assert order("Amount DESC NULLS LAST, Name") == [4, 2, 1, 3]


@pytest.mark.parametrize(
    "order_by",
    [
        "Name",
        "Name NULLS LAST",
        "Name DESC",
        "Name DESC NULLS LAST",
        "Name ASC, Amount DESC",
        "Amount DESC NULLS LAST, Name",
        "Name DESC NULLS FIRST, Amount DESC NULLS LAST, Id DESC",
    ],
)
def test_sort_rows_agrees_with_order_key(order_by):
    import random

    rng = random.Random(3)
    rows = [
        {
            "Id": i,
            "Name": rng.choice([None, "a", "B", "b", "c"]),
            "Amount": rng.choice([None, 1, 2.5, 3]),
        }
        for i in range(200)
    ]
    items = soql.parse(f"SELECT Id FROM X ORDER BY {order_by}").order_by  # noqa: S608 (SOQL)
    key = soql.order_key(items)
    expected = [r["Id"] for r in sorted(rows, key=lambda r: key(soql.dict_getter(r)))]
    got = soql.sort_rows(list(rows), items, lambda row, path: row.get(path[0]))
    assert [r["Id"] for r in got] == expected


def test_dates_given_as_salesforce_iso_text():
    record = {"Day": "2024-03-15", "Stamp": "2024-03-15T10:00:00.000+0000", "Name": "x"}
    assert matches("Day = TODAY AND Stamp = TODAY", record)
    assert matches("Day = 2024-03-15 AND Stamp > 2024-03-15T09:00:00Z", record)
    assert matches("Day IN (2024-03-15) AND Stamp < 2024-03-16", record)
    assert not matches("Name = TODAY", record)
