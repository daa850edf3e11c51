import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import soql

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
COLUMNS = ("Id", "Name", "Amount", "Count", "Flag", "Day", "Stamp", "Tags", "Kind")


def generate_rows(n=600, seed=7):
    rng = random.Random(seed)

    def maybe(value):
        return None if rng.random() < 0.15 else value

    rows = []
    for i in range(n):
        stamp = NOW + timedelta(seconds=rng.randint(-200 * 86400, 60 * 86400))
        tags = sorted(rng.sample(["a", "b", "c", "d"], rng.randint(1, 3)))
        rows.append(
            {
                "Id": f"001{i:015d}",
                "Name": maybe(
                    rng.choice(["Acme", "acme corp", "Globex", "100% Fun", "a_b", "Zed"])
                ),
                "Amount": maybe(round(rng.uniform(-100, 1000), 2)),
                "Count": maybe(rng.randint(0, 10)),
                "Flag": maybe(rng.random() < 0.5),
                "Day": maybe((NOW + timedelta(days=rng.randint(-45, 45))).date()),
                "Stamp": maybe(stamp.replace(microsecond=0)),
                "Tags": maybe(tags),
                "Kind": maybe(rng.choice(["Customer", "Partner", "Prospect"])),
            }
        )
    return rows


def to_storage(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return soql.format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(value)
    return value


@pytest.fixture(scope="module")
def table():
    rows = generate_rows()
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE TABLE t ({', '.join(COLUMNS)})")
    db.executemany(
        f"INSERT INTO t VALUES ({', '.join('?' * len(COLUMNS))})",  # noqa: S608
        [tuple(to_storage(r[c]) for c in COLUMNS) for r in rows],
    )
    yield db, rows
    db.close()


def column(path):
    return path[0] if len(path) == 1 and path[0] in COLUMNS else None


CONDITIONS = [
    "Name = 'ACME'",
    "Name != 'acme'",
    "Name = null",
    "Name != null",
    "Name < 'b'",
    "Name >= 'Globex'",
    "Name LIKE 'acme%'",
    "Name LIKE '%\\%%'",
    "Name LIKE 'a\\_b'",
    "Name LIKE '_cme'",
    "NOT Name LIKE '%e%'",
    "Name IN ('acme', 'zed', null)",
    "Name NOT IN ('acme', 'zed')",
    "Amount > 100",
    "Amount <= -5.5",
    "Amount != 0",
    "Count IN (1, 2, 3)",
    "Count NOT IN (1, 2, 3)",
    "Flag = true",
    "Flag != true",
    "Flag = false OR Count > 5",
    "(Flag = true AND Amount > 0) OR (Kind = 'partner' AND NOT Count < 3)",
    "Day = TODAY",
    "Day = THIS_MONTH",
    "Day != THIS_MONTH",
    "Day < LAST_MONTH",
    "Day <= NEXT_QUARTER",
    "Day > THIS_WEEK",
    "Day >= LAST_N_DAYS:30",
    "Day = LAST_N_WEEKS:4",
    "Day = NEXT_N_MONTHS:2",
    "Day = 2024-03-15",
    "Day < 2024-02-15",
    "Day > 2024-03-01T10:00:00Z",
    "Day <= 2024-03-10T00:00:00Z",
    "Day = 2024-03-10T00:00:00Z",
    "Day IN (2024-03-15, 2024-03-16, LAST_WEEK)",
    "Stamp = TODAY",
    "Stamp = LAST_N_DAYS:10",
    "Stamp != THIS_MONTH",
    "Stamp < THIS_WEEK",
    "Stamp > LAST_90_DAYS",
    "Stamp >= 2024-03-01T00:00:00Z",
    "Stamp < 2024-02-01T00:00:00+05:00",
    "Stamp = 2024-03-01",
    "Stamp > 2024-03-01",
    "Stamp <= 2024-03-01",
    "Tags INCLUDES ('a')",
    "Tags INCLUDES ('a;b', 'd')",
    "Tags EXCLUDES ('c')",
    "Tags EXCLUDES ('a;b')",
    "Kind IN ('Customer') AND Tags INCLUDES ('b')",
]


@pytest.mark.parametrize("tz", [UTC, ZoneInfo("America/Los_Angeles")], ids=["utc", "la"])
@pytest.mark.parametrize("where", CONDITIONS)
def test_sql_matches_python(table, where, tz):
    db, rows = table
    expr = soql.parse_where(where)
    sql, params = soql.compile_condition_sql(expr, column, now=NOW, tz=tz)
    from_sql = {row[0] for row in db.execute(f"SELECT Id FROM t WHERE {sql}", params)}  # noqa: S608
    predicate = soql.compile_condition(expr, now=NOW, tz=tz)
    from_python = {r["Id"] for r in rows if predicate(soql.dict_getter(r))}
    assert from_sql == from_python
    # Every case selects some rows but not all, except: every stored amount is non-zero
    # (and nulls pass !=), and UTC midnight is no date's midnight in Los Angeles.
    if where not in ("Amount != 0", "Day = 2024-03-10T00:00:00Z"):
        assert 0 < len(from_python) < len(rows)


def test_semi_joins_translate_with_a_callback(table):
    db, rows = table
    expr = soql.parse_where("Id IN (SELECT AccountId FROM Contact) OR Count = 1")
    wanted = {rows[0]["Id"], rows[5]["Id"]}
    sql, params = soql.compile_condition_sql(expr, column, now=NOW, semi_join=lambda q: wanted)
    got = {row[0] for row in db.execute(f"SELECT Id FROM t WHERE {sql}", params)}  # noqa: S608
    expected = {r["Id"] for r in rows if r["Id"] in wanted or r["Count"] == 1}
    assert got == expected
    with pytest.raises(soql.NotTranslatable):
        soql.compile_condition_sql(expr, column, now=NOW)


def test_untranslatable_parts():
    with pytest.raises(soql.NotTranslatable):
        soql.compile_condition_sql(soql.parse_where("Account.Name = 'x'"), column, now=NOW)
    having = soql.parse("SELECT Kind FROM t GROUP BY Kind HAVING COUNT(Id) > 1").having
    with pytest.raises(soql.NotTranslatable):
        soql.compile_condition_sql(having, column, now=NOW)


def test_no_condition():
    assert soql.compile_condition_sql(None, column, now=NOW) == ("1", [])


def test_format_datetime():
    moment = datetime(2024, 1, 31, 12, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Paris"))
    assert soql.format_datetime(moment) == "2024-01-31T11:00:00.123+0000"


@pytest.mark.parametrize(
    "tz",
    [
        UTC,
        ZoneInfo("America/Los_Angeles"),
        ZoneInfo("Asia/Kolkata"),
        ZoneInfo("Pacific/Kiritimati"),
    ],
    ids=["utc", "la", "kolkata", "kiritimati"],
)
def test_date_and_datetime_comparisons_at_the_edges_match_python(tz):
    """The range ANDed to a date/datetime comparison (so an index can serve it) never
    drops a row the comparison keeps: values stored as dates and as datetimes, compared
    with datetimes at and around midnights and with date literals, in every operator."""
    rng = random.Random(11)
    days = [date(2024, 3, 1) + timedelta(days=d) for d in range(-3, 4)]
    stored: list = list(days)
    for day in days:
        for hour in (0, 5, 12, 18, 23):
            moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            stored += [moment, moment.astimezone(tz).replace(hour=0, minute=0)]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (Id, Stamp)")
    db.executemany(
        "INSERT INTO t VALUES (?, ?)", [(i, to_storage(v)) for i, v in enumerate(stored)]
    )
    db.execute("CREATE INDEX t_stamp ON t (Stamp)")
    rows = [{"Id": i, "Stamp": v} for i, v in enumerate(stored)]
    values = [v for v in stored if isinstance(v, datetime)] + days
    values += [v + timedelta(minutes=rng.choice([-1, 1])) for v in stored[7::5]]
    stamp = soql.ast.FieldRef(("Stamp",))
    operators = ("=", "!=", "<", "<=", ">", ">=")
    conditions = [soql.ast.Comparison(stamp, op, value) for op in operators for value in values]
    conditions += [
        soql.parse_where(f"Stamp {op} {literal}")
        for op in operators
        for literal in ("TODAY", "LAST_N_DAYS:2", "NEXT_N_DAYS:1")
    ]
    now = datetime(2024, 3, 1, 22, 30, tzinfo=UTC)
    for expr in conditions:
        sql, params = soql.compile_condition_sql(expr, column, now=now, tz=tz)
        from_sql = {r[0] for r in db.execute(f"SELECT Id FROM t WHERE {sql}", params)}  # noqa: S608
        predicate = soql.compile_condition(expr, now=now, tz=tz)
        from_python = {r["Id"] for r in rows if predicate(soql.dict_getter(r))}
        assert from_sql == from_python, soql.render_condition(expr)


def test_a_stamp_range_is_read_through_the_index():
    db = sqlite3.connect(":memory:")  # not the module's table: its plans stay as they were
    db.execute("CREATE TABLE t (Id, Stamp)")
    db.execute("CREATE INDEX t_stamp ON t (Stamp)")
    expr = soql.parse_where("Stamp > 2024-03-14T00:00:00Z")
    sql, params = soql.compile_condition_sql(expr, column, now=NOW)
    plan = db.execute(f"EXPLAIN QUERY PLAN SELECT Id FROM t WHERE {sql} ORDER BY rowid", params)  # noqa: S608
    assert "USING INDEX t_stamp" in " ".join(str(step) for step in plan.fetchall())
