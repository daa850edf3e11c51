# ruff: noqa: S608  (SOQL text built in tests)
"""SOQL features beyond plain fields, executed by the simulator over HTTPS (simple-salesforce):
aliases on grouped fields, date functions, ROLLUP/CUBE with GROUPING, DISTANCE, toLabel and
FORMAT, USING SCOPE Mine, the object's own name as a prefix, subquery FROM Parent.Children."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.sfsim import sf_client


@pytest.fixture(scope="module")
def sf(sfsim):
    return sf_client(sfsim)


@pytest.fixture(scope="module")
def leads(sf):
    tag = uuid.uuid4().hex[:8]
    rows = [("Web", "Hot"), ("Web", "Hot"), ("Web", "Cold"), ("Phone", "Hot")]
    for i, (source, rating) in enumerate(rows):
        sf.Lead.create(
            {"LastName": f"L{i} {tag}", "Company": tag, "LeadSource": source, "Rating": rating}
        )
    return tag


def test_alias_on_a_grouped_field_names_the_result_column(sf, leads):
    result = sf.query(
        f"SELECT LeadSource src, COUNT(Id) n FROM Lead WHERE Company = '{leads}' "
        "GROUP BY LeadSource ORDER BY LeadSource"
    )
    rows = [{k: v for k, v in r.items() if k != "attributes"} for r in result["records"]]
    assert rows == [{"src": "Phone", "n": 1}, {"src": "Web", "n": 3}]


def test_rollup_adds_subtotals_and_grouping_flags(sf, leads):
    result = sf.query(
        "SELECT LeadSource, Rating, GROUPING(LeadSource) gs, GROUPING(Rating) gr, "
        f"COUNT(Id) cnt FROM Lead WHERE Company = '{leads}' GROUP BY ROLLUP(LeadSource, Rating)"
    )
    rows = {(r["LeadSource"], r["Rating"], r["gs"], r["gr"]): r["cnt"] for r in result["records"]}
    assert rows == {
        ("Web", "Hot", 0, 0): 2,
        ("Web", "Cold", 0, 0): 1,
        ("Phone", "Hot", 0, 0): 1,
        ("Web", None, 0, 1): 3,
        ("Phone", None, 0, 1): 1,
        (None, None, 1, 1): 4,
    }


def test_cube_groups_every_combination(sf, leads):
    result = sf.query(
        "SELECT LeadSource, Rating, COUNT(Id) cnt FROM Lead "
        f"WHERE Company = '{leads}' GROUP BY CUBE(LeadSource, Rating)"
    )
    rows = {(r["LeadSource"], r["Rating"]): r["cnt"] for r in result["records"]}
    assert rows[(None, "Hot")] == 3 and rows[(None, "Cold")] == 1
    assert rows[("Web", None)] == 3 and rows[(None, None)] == 4
    assert len(rows) == 3 + 2 + 2 + 1


@pytest.fixture(scope="module")
def deals(sf):
    tag = uuid.uuid4().hex[:8]
    for name, close, amount in (
        ("a", "2023-02-14", 100),
        ("b", "2023-11-05", 200),
        ("c", "2024-02-29", 400),
    ):
        sf.Opportunity.create(
            {
                "Name": f"{name} {tag}",
                "StageName": "Prospecting",
                "CloseDate": close,
                "Amount": amount,
            }
        )
    return tag


def test_date_functions_filter_and_group(sf, deals):
    where = f"Name LIKE '% {deals}'"
    in_2023 = sf.query(
        f"SELECT Name FROM Opportunity WHERE {where} AND CALENDAR_YEAR(CloseDate) = 2023"
    )
    assert sorted(r["Name"][0] for r in in_2023["records"]) == ["a", "b"]
    february = sf.query(
        f"SELECT Name FROM Opportunity WHERE {where} AND CALENDAR_MONTH(CloseDate) = 2 "
        "AND DAY_IN_WEEK(CloseDate) = 5"  # 2024-02-29 was a Thursday (1 = Sunday)
    )
    assert [r["Name"][0] for r in february["records"]] == ["c"]
    grouped = sf.query(
        f"SELECT CALENDAR_YEAR(CloseDate) y, SUM(Amount) FROM Opportunity WHERE {where} "
        "GROUP BY CALENDAR_YEAR(CloseDate) ORDER BY CALENDAR_YEAR(CloseDate)"
    )
    assert [(r["y"], r["expr0"]) for r in grouped["records"]] == [(2023, 300), (2024, 400)]
    quarters = sf.query(
        f"SELECT CALENDAR_QUARTER(CloseDate), COUNT(Id) FROM Opportunity WHERE {where} "
        "GROUP BY CALENDAR_QUARTER(CloseDate)"
    )
    assert {r["expr0"]: r["expr1"] for r in quarters["records"]} == {1: 2, 4: 1}


def test_distance_in_select_where_and_order_by(sf):
    tag = uuid.uuid4().hex[:8]
    places = {"Lyon": (45.764, 4.8357), "Paris": (48.8566, 2.3522), "Nice": (43.7102, 7.262)}
    for city, (lat, lon) in places.items():
        sf.Account.create(
            {"Name": f"{city} {tag}", "BillingLatitude": lat, "BillingLongitude": lon}
        )
    here = "GEOLOCATION(45.75, 4.85)"
    result = sf.query(
        f"SELECT Name, DISTANCE(BillingAddress, {here}, 'km') dist FROM Account "
        f"WHERE Name LIKE '% {tag}' AND DISTANCE(BillingAddress, {here}, 'km') < 350 "
        f"ORDER BY DISTANCE(BillingAddress, {here}, 'km')"
    )
    names = [r["Name"].split()[0] for r in result["records"]]
    assert names == ["Lyon", "Nice"]  # Paris, about 390 km away, is filtered out
    assert result["records"][0]["dist"] == pytest.approx(1.9, abs=0.2)
    assert result["records"][1]["dist"] == pytest.approx(300, abs=10)


def test_tolabel_and_format_return_the_field(sf):
    tag = uuid.uuid4().hex[:8]
    sf.Case.create({"Subject": f"Label {tag}", "Status": "New"})
    record = sf.query(
        f"SELECT toLabel(Status), FORMAT(CreatedDate) made FROM Case WHERE Subject = 'Label {tag}'"
    )["records"][0]
    assert record["Status"] == "New"
    assert record["made"].startswith("20")


def test_using_scope_mine_keeps_the_callers_records(sf, sfsim):
    admin = sf_client(sfsim, 0)
    username = sfsim.credentials[0]["username"]
    me = admin.query(f"SELECT Id FROM User WHERE Username = '{username}'")
    my_id = me["records"][0]["Id"]
    mine = admin.query_all("SELECT OwnerId FROM Account USING SCOPE Mine")["records"]
    everything = admin.query("SELECT COUNT() FROM Account USING SCOPE Everything")["totalSize"]
    assert mine and all(r["OwnerId"] == my_id for r in mine)
    assert everything >= len(mine)


def test_object_name_prefix_and_subquery_from_parent_path(sf):
    tag = uuid.uuid4().hex[:8]
    account = sf.Account.create({"Name": f"Prefix {tag}"})["id"]
    sf.Contact.create({"LastName": f"Kid {tag}", "AccountId": account})
    record = sf.query(
        "SELECT Account.Name, (SELECT LastName FROM Account.Contacts) "
        f"FROM Account WHERE Account.Name = 'Prefix {tag}'"
    )["records"][0]
    assert record["Name"] == f"Prefix {tag}"
    assert [c["LastName"] for c in record["Contacts"]["records"]] == [f"Kid {tag}"]


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("SELECT convertCurrency(Amount) FROM Opportunity", "INVALID_FIELD", "multiple currencies"),
        ("SELECT Id FROM Opportunity WHERE Amount > USD5000", "MALFORMED_QUERY", "USD5000"),
        (
            "SELECT Id FROM Account WITH DATA CATEGORY Geography__c AT usa__c",
            "MALFORMED_QUERY",
            "Knowledge",
        ),
        ("SELECT Id FROM Account UPDATE TRACKING", "MALFORMED_QUERY", "Knowledge"),
        ("SELECT Id FROM Account USING SCOPE MyTerritory", "INVALID_FIELD", "territories"),
    ],
    ids=["convert-currency", "currency-literal", "data-category", "update-tracking", "territory"],
)
def test_features_this_org_lacks_are_refused_like_salesforce(sfsim, text, code, words):
    session = sfsim.session()
    session.headers["Authorization"] = f"Bearer {sfsim.token()['access_token']}"
    answer = session.get(f"{sfsim.base_url}/services/data/v62.0/query", params={"q": text})
    assert answer.status_code == 400
    error = answer.json()[0]
    assert error["errorCode"] == code and words in error["message"]
