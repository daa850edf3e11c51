from datetime import UTC, date, datetime, timedelta, timezone

import pytest

import soql
from soql import ast


def where(text):
    return soql.parse("SELECT Id FROM Account WHERE " + text).where  # noqa: S608 (SOQL)


def test_field_list_with_relationship_paths_and_alias():
    q = soql.parse("SELECT c.Id, c.Account.Owner.Name, Name FROM Contact c")
    assert q.sobject == "Contact"
    assert q.alias == "c"
    assert [f.path for f in q.fields] == [("Id",), ("Account", "Owner", "Name"), ("Name",)]


def test_keywords_are_case_insensitive():
    q = soql.parse("select id from account where name like 'a%' order by name desc limit 5")
    assert q.where == ast.Like(ast.FieldRef(("name",)), "a%")
    assert q.order_by == (ast.OrderItem(ast.FieldRef(("name",)), True, None),)
    assert q.limit == 5


def test_child_subquery():
    q = soql.parse(
        "SELECT Id, (SELECT Id, Email FROM Contacts WHERE Email != null ORDER BY Email LIMIT 3) "
        "FROM Account"
    )
    sub = q.fields[1]
    assert isinstance(sub, ast.SubQuery)
    assert sub.query.sobject == "Contacts"
    assert sub.query.where == ast.Comparison(ast.FieldRef(("Email",)), "!=", None)
    assert sub.query.limit == 3


def test_count_forms_and_fields_macro():
    assert soql.parse("SELECT COUNT() FROM Account").is_count
    q = soql.parse("SELECT COUNT(Id) total, COUNT_DISTINCT(Name) FROM Account")
    assert q.fields == (
        ast.Aggregate("COUNT", ast.FieldRef(("Id",)), "total"),
        ast.Aggregate("COUNT_DISTINCT", ast.FieldRef(("Name",)), None),
    )
    assert not q.is_count
    for kind in ("ALL", "STANDARD", "CUSTOM"):
        q = soql.parse("SELECT FIELDS(" + kind.lower() + ") FROM Account LIMIT 200")  # noqa: S608
        assert q.fields == (ast.FieldsMacro(kind),)


def test_typeof():
    q = soql.parse(
        "SELECT Id, TYPEOF What WHEN Account THEN Name, Phone WHEN Opportunity THEN Amount "
        "ELSE Id END FROM Task"
    )
    assert q.fields[1] == ast.TypeOf(
        "What",
        (
            ast.TypeOfWhen("Account", (ast.FieldRef(("Name",)), ast.FieldRef(("Phone",)))),
            ast.TypeOfWhen("Opportunity", (ast.FieldRef(("Amount",)),)),
        ),
        (ast.FieldRef(("Id",)),),
    )


def test_logic_and_parentheses():
    expr = where("(A = 1 OR B = 2) AND NOT C = 3 AND NOT (D = 4 AND E = 5)")
    a, b, c, d, e = (
        ast.Comparison(ast.FieldRef((n,)), "=", v)
        for n, v in zip("ABCDE", range(1, 6), strict=True)
    )
    assert expr == ast.And((ast.Or((a, b)), ast.Not(c), ast.Not(ast.And((d, e)))))


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op):
    assert where(f"Amount {op} 10") == ast.Comparison(ast.FieldRef(("Amount",)), op, 10)


def test_not_equal_spelled_sql_style():
    assert where("Name <> 'x'").op == "!="


def test_values():
    cases = {
        "null": None,
        "NULL": None,
        "true": True,
        "FALSE": False,
        "42": 42,
        "-3.5": -3.5,
        "1e3": 1000.0,
        "'it\\'s \\\\ \\n'": "it's \\ \n",
        "'50\\%'": "50\\%",
        "2024-01-31": date(2024, 1, 31),
        "2024-01-31T10:00:00Z": datetime(2024, 1, 31, 10, tzinfo=UTC),
        "2024-01-31T10:00:00+02:00": datetime(2024, 1, 31, 10, tzinfo=timezone(timedelta(hours=2))),
        "2024-01-31T10:00:00.250-0500": datetime(
            2024, 1, 31, 10, 0, 0, 250000, tzinfo=timezone(timedelta(hours=-5))
        ),
        "TODAY": ast.DateLiteral("TODAY"),
        "last_n_days:30": ast.DateLiteral("LAST_N_DAYS", 30),
        "N_DAYS_AGO:2": ast.DateLiteral("N_DAYS_AGO", 2),
    }
    for text, value in cases.items():
        got = where(f"F = {text}").value
        assert got == value and type(got) is type(value), text


@pytest.mark.parametrize(
    "name",
    [
        "YESTERDAY",
        "TODAY",
        "TOMORROW",
        "LAST_WEEK",
        "THIS_WEEK",
        "NEXT_WEEK",
        "LAST_MONTH",
        "THIS_MONTH",
        "NEXT_MONTH",
        "LAST_90_DAYS",
        "NEXT_90_DAYS",
        "THIS_QUARTER",
        "LAST_QUARTER",
        "NEXT_QUARTER",
        "THIS_YEAR",
        "LAST_YEAR",
        "NEXT_YEAR",
    ],
)
def test_date_literals(name):
    assert where(f"CreatedDate > {name}").value == ast.DateLiteral(name)


@pytest.mark.parametrize(
    "name",
    [
        "LAST_N_DAYS",
        "NEXT_N_DAYS",
        "N_DAYS_AGO",
        "LAST_N_WEEKS",
        "NEXT_N_WEEKS",
        "LAST_N_MONTHS",
        "NEXT_N_MONTHS",
        "LAST_N_YEARS",
        "NEXT_N_YEARS",
    ],
)
def test_date_literals_with_n(name):
    assert where(f"CreatedDate = {name}:7").value == ast.DateLiteral(name, 7)


def test_in_not_in_includes_excludes_like():
    f = ast.FieldRef(("F",))
    assert where("F IN ('a', 'b', null)") == ast.InList(f, ("a", "b", None))
    assert where("F NOT IN (1, 2)") == ast.InList(f, (1, 2), True)
    assert where("F INCLUDES ('a;b', 'c')") == ast.Includes(f, ("a;b", "c"))
    assert where("F EXCLUDES ('a')") == ast.Includes(f, ("a",), True)
    assert where("F LIKE 'Ac_me%'") == ast.Like(f, "Ac_me%")


def test_semi_and_anti_joins():
    expr = where(
        "Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%@x.com') "
        "AND Id NOT IN (SELECT AccountId FROM Opportunity)"
    )
    semi, anti = expr.items
    assert isinstance(semi, ast.InSubquery) and not semi.negated
    assert semi.query.sobject == "Contact"
    assert isinstance(anti, ast.InSubquery) and anti.negated


def test_group_by_having_order_limit_offset_with_for():
    q = soql.parse(
        "SELECT StageName, SUM(Amount) total, MIN(Amount), MAX(Amount), AVG(Amount) "
        "FROM Opportunity WHERE IsClosed = false GROUP BY StageName "
        "HAVING COUNT(Id) > 1 AND SUM(Amount) > 100 "
        "ORDER BY StageName ASC NULLS LAST, SUM(Amount) DESC NULLS FIRST "
        "LIMIT 10 OFFSET 20 FOR VIEW"
    )
    assert q.group_by == (ast.FieldRef(("StageName",)),)
    assert q.having.items[0].field == ast.Aggregate("COUNT", ast.FieldRef(("Id",)))
    assert q.order_by == (
        ast.OrderItem(ast.FieldRef(("StageName",)), False, "LAST"),
        ast.OrderItem(ast.Aggregate("SUM", ast.FieldRef(("Amount",))), True, "FIRST"),
    )
    assert (q.limit, q.offset, q.for_clause) == (10, 20, "VIEW")
    q = soql.parse("SELECT Id FROM Account WITH SECURITY_ENFORCED FOR UPDATE")
    assert (q.with_clause, q.for_clause) == ("SECURITY_ENFORCED", "UPDATE")
    assert soql.parse("SELECT Id FROM Account FOR REFERENCE").for_clause == "REFERENCE"


def test_comments_are_ignored():
    q = soql.parse("SELECT Id /* the key */, Name // display name\nFROM Account")
    assert [f.path for f in q.fields] == [("Id",), ("Name",)]


def test_non_reserved_words_work_as_field_names():
    q = soql.parse("SELECT Type, Order, Count, View, Today, Fields FROM Account ORDER BY Order")
    assert [f.path[0] for f in q.fields] == ["Type", "Order", "Count", "View", "Today", "Fields"]
    assert soql.parse("SELECT Id FROM Order ORDER BY Id").sobject == "Order"
    assert soql.parse("SELECT Id FROM Account ORDER BY Id").order_by[0].field.path == ("Id",)
    assert soql.parse("SELECT Id FROM Account Wherever WHERE Android = 1").alias == "Wherever"


def test_reserved_words_are_not_names():
    with pytest.raises(soql.SoqlSyntaxError) as info:
        soql.parse("SELECT Id, Last FROM Account")
    assert info.value.token == "Last"


MALFORMED = [
    # (query, row, column, token)
    ("SELECT Id FROM Account WHERE", 1, 30, "<EOF>"),
    # "Account" may be a field alias (SELECT LeadSource src, COUNT(Id) ...): FROM is missing
    ("SELECT Id Account", 1, 19, "<EOF>"),
    ("SELECT Id Account Name FROM Account", 1, 19, "Name"),
    ("SELECT Id", 1, 11, "<EOF>"),
    ("SELECT Id FROM Account WHERE Name = 'x' AND", 1, 45, "<EOF>"),
    ("SELECT Id FROM Account WHERE Name = 'x' AND AND", 1, 45, "AND"),
    ("SELECT Id FROM Account WHERE (Name = 'x'", 1, 42, "<EOF>"),
    ("SELECT Id FROM Account LIMIT 5 garbage", 1, 32, "garbage"),
    ("SELECT Id FROM Account WHERE a = 1 AND b = 2 OR c = 3", 1, 46, "OR"),
    ("SELECT Id FROM Account ORDER Name", 1, 30, "Name"),
    ("SELECT Id FROM Account WHER Name = 'x'", 1, 29, "Name"),
    ("SELECT Id FROM Account\nWHERE Name = 'x'\nLIMIT x", 3, 7, "x"),
    ('SELECT Id FROM Account WHERE Name = "x"', 1, 37, '"'),
    ("SELECT Id FROM Account WHERE Name = 'x", 1, 37, "'"),
    ("SELECT SUM() FROM Account", 1, 8, "SUM"),
    ("SELECT Id FROM Account WHERE Name = 'a\\qb'", 1, 37, "'a\\qb'"),
    ("", 1, 2, "<EOF>"),
]


@pytest.mark.parametrize(("text", "row", "column", "token"), MALFORMED)
def test_malformed_queries_report_position(text, row, column, token):
    with pytest.raises(soql.SoqlSyntaxError) as info:
        soql.parse(text)
    err = info.value
    assert (err.line, err.column, err.token) == (row, column, token)
    assert err.error_code == "MALFORMED_QUERY"
    message = err.salesforce_message()
    lines = message.split("\n")
    assert lines[0] == ""
    assert lines[1] == text.split("\n")[row - 1]
    assert lines[2] == " " * (column - 1) + "^"
    assert lines[3] == f"ERROR at Row:{row}:Column:{column}"


def test_salesforce_message_shape_for_dangling_where():
    with pytest.raises(soql.SoqlSyntaxError) as info:
        soql.parse("SELECT Id FROM Account WHERE")
    assert info.value.salesforce_message() == (
        "\nSELECT Id FROM Account WHERE\n                             ^\n"
        "ERROR at Row:1:Column:30\nunexpected token: '<EOF>'"
    )


ROUND_TRIP = [
    "SELECT Id FROM Account",
    "SELECT Id, Name, Owner.Name FROM Account WHERE Name LIKE 'Ac\\%%' ORDER BY Name LIMIT 5",
    "SELECT COUNT() FROM Contact WHERE Email = null",
    "SELECT Id, (SELECT Id, Name FROM Contacts WHERE Email != null) FROM Account a "
    "WHERE a.Industry IN ('Tech', 'Retail') AND (a.AnnualRevenue > 1e6 OR NumberOfEmployees <= 10)",
    "SELECT TYPEOF What WHEN Account THEN Name WHEN Opportunity THEN Amount, StageName "
    "ELSE Id END FROM Task WHERE ActivityDate = NEXT_N_DAYS:3",
    "SELECT FIELDS(ALL) FROM Account LIMIT 200",
    "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE CreatedDate = TODAY)",
    "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity) WITH USER_MODE",
    "SELECT Id FROM Account WHERE NOT (Name = 'x' OR Name = 'y') AND IsDeleted = false",
    "SELECT Id FROM Account WHERE CreatedDate >= 2024-01-31T10:00:00Z "
    "AND CreatedDate < 2024-02-01T00:00:00-08:00 AND LastActivityDate = 2024-01-31",
    "SELECT StageName, COUNT(Id) n, SUM(Amount) s FROM Opportunity GROUP BY StageName "
    "HAVING COUNT(Id) > 2 ORDER BY SUM(Amount) DESC NULLS LAST LIMIT 10 OFFSET 10",
    "SELECT Id FROM Lead WHERE Interests__c INCLUDES ('a;b', 'c') "
    "AND Other__c EXCLUDES ('d') FOR UPDATE",
    "SELECT Id FROM Account WHERE Name = 'tab\\there' AND Description != 'quote \\' back \\\\'",
    "SELECT Id FROM Account WHERE ((A = 1 AND B = 2) OR C = 3) AND D = -4.25",
    "SELECT Id FROM Account WHERE CreatedDate = LAST_90_DAYS OR CreatedDate = N_YEARS_AGO:2",
    "SELECT Id FROM Account ORDER BY Name ASC NULLS FIRST, CreatedDate DESC FOR REFERENCE",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_render_round_trip(text):
    query = soql.parse(text)
    rendered = soql.render(query)
    assert soql.parse(rendered) == query
    assert soql.render(soql.parse(rendered)) == rendered


def test_render_condition():
    expr = where("a = 1 AND (b = 'x' OR NOT c LIKE '%y')")
    assert soql.render_condition(expr) == "a = 1 AND (b = 'x' OR NOT (c LIKE '%y'))"
    assert soql.parse_where(soql.render_condition(expr)) == expr


def test_positions_are_kept_outside_equality():
    q = soql.parse("SELECT Id,\n  Name FROM Account")
    assert q.fields[1].pos == (2, 3)
    assert q.sobject_pos == (2, 13)
