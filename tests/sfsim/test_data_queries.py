# ruff: noqa: S608  (SOQL text built in tests)
import datetime as dt

import pytest

from sfsim.errors import SalesforceError

from .data_helpers import make_world, records


@pytest.fixture
def world(tmp_path):
    w = make_world(tmp_path)
    org, admin = w.org, w.admin
    w.accounts = []
    for i, (name, industry, revenue) in enumerate(
        [
            ("Alpha", "Banking", 100.0),
            ("beta", "Energy", 200.0),
            ("Gamma", "Banking", None),
            ("Delta", "Retail", 400.0),
            ("Epsilon", "Banking", 500.0),
        ]
    ):
        acc = org.create(
            "Account", {"Name": name, "Industry": industry, "AnnualRevenue": revenue}, admin
        )
        w.accounts.append(acc)
        for j in range(i):
            org.create("Contact", {"LastName": f"{name}-{j}", "AccountId": acc}, admin)
    return w


def q(world, text, user=None, include_deleted=False):
    return records(world.org, text, user or world.admin, include_deleted)


def test_default_order_is_insertion_order_and_paging_resumes(world):
    cursor = world.org.query(
        "SELECT Id FROM Contact", include_deleted=False, user=world.admin, batch_size=3
    )
    assert cursor.total_size == 10
    seen = []
    done = False
    while not done:
        page, done = cursor.next_page()
        assert len(page) <= 3
        seen.extend(r["Id"] for r in page)
    assert seen == sorted(seen) and len(seen) == 10


def test_where_order_limit_offset(world):
    rows = q(
        world,
        "SELECT Name FROM Account WHERE Industry = 'banking' ORDER BY Name DESC LIMIT 2 OFFSET 1",
    )
    assert [r["Name"] for r in rows] == ["Epsilon", "Alpha"]
    rows = q(
        world,
        "SELECT Name FROM Account WHERE AnnualRevenue > 150 AND "
        "(Name LIKE 'b%' OR Name IN ('Delta')) ORDER BY Name",
    )
    assert [r["Name"] for r in rows] == ["beta", "Delta"]
    rows = q(world, "SELECT Name FROM Account WHERE AnnualRevenue = null")
    assert [r["Name"] for r in rows] == ["Gamma"]
    rows = q(world, "SELECT Name FROM Account ORDER BY AnnualRevenue DESC NULLS LAST LIMIT 1")
    assert rows[0]["Name"] == "Epsilon"


def test_relationship_fields_and_child_subqueries(world):
    rows = q(
        world,
        "SELECT LastName, Account.Name, Account.Owner.Name FROM Contact "
        "WHERE Account.Name = 'Delta' ORDER BY LastName",
    )
    assert len(rows) == 3
    assert rows[0]["Account"]["Name"] == "Delta"
    assert rows[0]["Account"]["attributes"]["type"] == "Account"
    assert rows[0]["Account"]["Owner"]["Name"] == "Admin User"
    rows = q(
        world,
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) "
        "FROM Account WHERE Name IN ('Alpha', 'Gamma') ORDER BY Name",
    )
    assert rows[0]["Contacts"] is None
    assert rows[1]["Contacts"]["totalSize"] == 2 and rows[1]["Contacts"]["done"] is True
    assert [c["LastName"] for c in rows[1]["Contacts"]["records"]] == ["Gamma-0", "Gamma-1"]
    rows = q(
        world,
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact "
        "WHERE LastName LIKE 'Delta%')",
    )
    assert [r["Id"] for r in rows] == [world.accounts[3]]


def test_count_fields_and_aggregates(world):
    cursor = world.org.query("SELECT COUNT() FROM Contact", include_deleted=False, user=world.admin)
    assert cursor.total_size == 10 and cursor.next_page() == ([], True)
    rows = q(world, "SELECT FIELDS(STANDARD) FROM Account WHERE Name = 'Alpha'")
    assert "BillingAddress" in rows[0] and "Name" in rows[0]
    with pytest.raises(SalesforceError) as err:
        q(world, "SELECT FIELDS(ALL) FROM Account")
    assert err.value.error_code == "MALFORMED_QUERY"
    assert len(q(world, "SELECT FIELDS(ALL) FROM Account LIMIT 200")) == 5
    rows = q(
        world,
        "SELECT Industry, COUNT(Id), SUM(AnnualRevenue) total FROM Account "
        "GROUP BY Industry ORDER BY Industry",
    )
    assert rows[0] == {
        "attributes": {"type": "AggregateResult"},
        "Industry": "Banking",
        "expr0": 3,
        "total": 600.0,
    }
    rows = q(
        world, "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry HAVING COUNT(Id) > 1"
    )
    assert [r["Industry"] for r in rows] == ["Banking"]


def test_date_literals_follow_the_simulator_clock(world):
    assert len(q(world, "SELECT Id FROM Account WHERE CreatedDate = TODAY")) == 5
    world.sim.clock.advance(days=3)
    assert q(world, "SELECT Id FROM Account WHERE CreatedDate = TODAY") == []
    assert len(q(world, "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:7")) == 5
    stamp = (world.sim.clock.now() - dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(q(world, f"SELECT Id FROM Account WHERE SystemModstamp > {stamp}")) == 5


def test_query_errors(world):
    cases = {
        "SELECT Nope FROM Account": "INVALID_FIELD",
        "SELECT Id FROM Nope": "INVALID_TYPE",
        "SELECT Id FROM Account WHERE Name = 1": "INVALID_FIELD",
        "SELECT Id FROM Account WHERE": "MALFORMED_QUERY",
        "SELECT Id, FROM Account": "MALFORMED_QUERY",
    }
    for text, code in cases.items():
        with pytest.raises(SalesforceError) as err:
            q(world, text)
        assert err.value.error_code == code, text
        assert "ERROR at Row:1:Column:" in err.value.message


def test_query_all_sees_the_recycle_bin(world):
    world.org.delete(world.accounts[0], world.admin)
    assert len(q(world, "SELECT Id FROM Account")) == 4
    rows = q(
        world, "SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true", include_deleted=True
    )
    assert [r["Id"] for r in rows] == [world.accounts[0]]


def test_query_rows_csv_format(world):
    header, rows = world.org.query_rows(
        "SELECT Id, Name, IsDeleted, CreatedDate, Account.Name, Description "
        "FROM Contact WHERE Account.Name = 'beta'",
        include_deleted=False,
        user=world.admin,
    )
    rows = list(rows)
    assert header == ["Id", "Name", "IsDeleted", "CreatedDate", "Account.Name", "Description"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Account.Name"] == "beta" and row["Description"] == ""
    assert row["IsDeleted"] == "false" and row["CreatedDate"].endswith("Z")
    assert all(isinstance(v, str) for v in rows[0])
    header, rows = world.org.query_rows(
        "SELECT Name, AnnualRevenue, NumberOfEmployees FROM Account WHERE Name = 'Alpha'",
        include_deleted=False,
        user=world.admin,
    )
    assert list(rows) == [["Alpha", "100", ""]]
    header, lines = world.org.query_csv_lines(
        "SELECT Name FROM Account WHERE Name = 'Alpha'", include_deleted=False, user=world.admin
    )
    assert header == '"Name"\n' and list(lines) == ['"Alpha"\n']


def test_csv_lines_match_the_csv_module(world):
    import csv
    import io

    world.org.create(
        "Account", {"Name": 'Quote "q", comma\nnewline', "Description": "x"}, world.admin
    )
    text = "SELECT Name, Description, AnnualRevenue, IsDeleted, CreatedDate FROM Account"
    for delimiter, ending in ((",", "\n"), ("|", "\r\n"), ("\t", "\n")):
        header, rows = world.org.query_rows(text, include_deleted=False, user=world.admin)
        buf = io.StringIO()
        writer = csv.writer(buf, quoting=csv.QUOTE_ALL, delimiter=delimiter, lineterminator=ending)
        writer.writerow(header)
        writer.writerows(rows)
        header_line, lines = world.org.query_csv_lines(
            text, include_deleted=False, user=world.admin, delimiter=delimiter, line_ending=ending
        )
        assert header_line + "".join(lines) == buf.getvalue()


def test_query_rows_keeps_values_holding_control_characters(world):
    name = "odd\x1fname"
    world.org.create("Account", {"Name": name, "Description": "a\x1fb"}, world.admin)
    header, rows = world.org.query_rows(
        "SELECT Name, Description, Industry FROM Account WHERE Name LIKE 'odd%'",
        include_deleted=False,
        user=world.admin,
    )
    assert list(rows) == [[name, "a\x1fb", ""]]


def test_fifteen_char_ids_typeof_and_compound_address(world):
    org, admin = world.org, world.admin
    account = world.accounts[3]
    org.update("Account", account, {"BillingCity": "Paris", "BillingCountry": "France"}, admin)
    rows = q(world, f"SELECT LastName FROM Contact WHERE AccountId IN ('{account[:15]}')")
    assert len(rows) == 3
    rows = q(world, f"SELECT BillingAddress FROM Account WHERE Id = '{account[:15]}'")
    address = rows[0]["BillingAddress"]
    assert (address["city"], address["country"], address["street"]) == ("Paris", "France", None)
    opp = org.create(
        "Opportunity",
        {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-01-01", "Amount": 5},
        admin,
    )
    org.create("Task", {"Subject": "Call", "WhatId": opp}, admin)
    org.create("Task", {"Subject": "Visit", "WhatId": account}, admin)
    rows = q(
        world,
        "SELECT Subject, TYPEOF What WHEN Opportunity THEN Name, Amount "
        "ELSE Name END FROM Task ORDER BY Subject",
    )
    assert rows[0]["What"]["Amount"] == 5.0 and rows[0]["What"]["attributes"]["type"] == (
        "Opportunity"
    )
    assert rows[1]["What"] == {"attributes": rows[1]["What"]["attributes"], "Name": "Delta"}
