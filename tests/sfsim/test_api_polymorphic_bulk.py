# ruff: noqa: S608  (SOQL text built in tests)
"""Polymorphic references (What.Type, Who.Type, Owner.Type, TYPEOF ... ELSE) and Bulk API
2.0's refusals and daily limits, through simple-salesforce and plain HTTPS."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.sfsim import API_VERSION, sf_client


@pytest.fixture(scope="module")
def sf(sfsim):
    return sf_client(sfsim)


@pytest.fixture(scope="module")
def http(sfsim):
    session = sfsim.session()
    session.headers["Authorization"] = f"Bearer {sfsim.token()['access_token']}"
    return session, f"{sfsim.base_url}/services/data/v{API_VERSION}"


@pytest.fixture(scope="module")
def tasks(sf):
    """Tasks on an Account, an Opportunity and a Case, for a Contact and a Lead."""
    tag = uuid.uuid4().hex[:8]
    account = sf.Account.create({"Name": f"Poly {tag}", "Type": "Customer - Direct"})["id"]
    opportunity = sf.Opportunity.create(
        {"Name": f"Poly {tag}", "StageName": "Prospecting", "CloseDate": "2026-06-30"}
    )["id"]
    case = sf.Case.create({"Subject": f"Poly {tag}"})["id"]
    contact = sf.Contact.create({"LastName": f"Poly {tag}"})["id"]
    lead = sf.Lead.create({"LastName": f"Poly {tag}", "Company": "Poly"})["id"]
    made = {}
    for label, what, who in (
        ("account", account, contact),
        ("opportunity", opportunity, lead),
        ("case", case, None),
    ):
        values = {"Subject": f"{label} {tag}", "WhatId": what}
        if who:
            values["WhoId"] = who
        made[label] = sf.Task.create(values)["id"]
    return tag, made, {"account": account, "opportunity": opportunity, "case": case}


def _by_subject(result) -> dict:
    return {r["Subject"].split()[0]: r for r in result["records"]}


def test_what_and_who_type_are_the_referenced_object_names(sf, tasks):
    tag, _made, _ = tasks
    rows = _by_subject(
        sf.query(
            "SELECT Subject, What.Type, Who.Type, Owner.Type FROM Task "
            f"WHERE Subject LIKE '% {tag}'"
        )
    )
    assert rows["account"]["What"]["Type"] == "Account"  # not the Account's own Type picklist
    assert rows["opportunity"]["What"]["Type"] == "Opportunity"
    assert rows["case"]["What"]["Type"] == "Case"
    assert rows["account"]["Who"]["Type"] == "Contact"
    assert rows["opportunity"]["Who"]["Type"] == "Lead"
    assert rows["case"]["Who"] is None
    assert rows["account"]["Owner"]["Type"] == "User"


def test_filters_on_polymorphic_type(sf, tasks):
    tag, made, _ = tasks
    result = sf.query(
        f"SELECT Id FROM Task WHERE Subject LIKE '% {tag}' AND What.Type = 'Opportunity'"
    )
    assert [r["Id"] for r in result["records"]] == [made["opportunity"]]
    result = sf.query(
        f"SELECT Id FROM Task WHERE Subject LIKE '% {tag}' AND What.Type IN ('Account', 'Case') "
        "ORDER BY What.Type"
    )
    assert [r["Id"] for r in result["records"]] == [made["account"], made["case"]]


def test_typeof_else_branch_fills_other_types(sf, tasks):
    tag, _made, parents = tasks
    rows = _by_subject(
        sf.query(
            "SELECT Subject, TYPEOF What WHEN Account THEN Phone, Type "
            "WHEN Opportunity THEN StageName ELSE Name, Type END "
            f"FROM Task WHERE Subject LIKE '% {tag}'"
        )
    )
    assert rows["account"]["What"]["Type"] == "Customer - Direct"  # Account's own field here
    assert "Phone" in rows["account"]["What"]
    assert rows["opportunity"]["What"]["StageName"] == "Prospecting"
    case_number = sf.Case.get(parents["case"])["CaseNumber"]
    assert rows["case"]["What"]["Name"] == case_number
    assert rows["case"]["What"]["Type"] == "Case"
    assert rows["case"]["What"]["attributes"]["type"] == "Case"


def _create_query_job(http, soql: str):
    session, base = http
    return session.post(f"{base}/jobs/query", json={"operation": "query", "query": soql})


@pytest.mark.parametrize(
    ("soql", "what"),
    [
        ("SELECT Id FROM Account ORDER BY Id LIMIT 5 OFFSET 2", "OFFSET"),
        ("SELECT Id, TYPEOF What WHEN Account THEN Name END FROM Task", "TYPEOF"),
        ("SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry", "GROUP BY"),
        ("SELECT COUNT() FROM Account", "Aggregate"),
        ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "Parent-to-child"),
        ("SELECT BillingAddress FROM Account", "Compound"),
    ],
    ids=["offset", "typeof", "group-by", "count", "subquery", "compound"],
)
def test_bulk_query_jobs_refuse_what_salesforce_refuses(http, soql, what):
    response = _create_query_job(http, soql)
    assert response.status_code == 400
    error = response.json()[0]
    assert error["errorCode"] == "INVALID_FIELD"
    assert what in error["message"] and "Bulk API" in error["message"]


def _remaining(http, name: str) -> int:
    session, base = http
    return session.get(f"{base}/limits").json()[name]["Remaining"]


def test_bulk_query_jobs_count_down_their_daily_limits(sf, http):
    jobs_before = _remaining(http, "DailyBulkV2QueryJobs")
    storage_before = _remaining(http, "DailyBulkV2QueryFileStorageMB")
    pages = list(sf.bulk2.Account.query("SELECT Id, Name FROM Account", wait=0.1))
    assert pages
    assert _remaining(http, "DailyBulkV2QueryJobs") == jobs_before - 1
    assert _remaining(http, "DailyBulkV2QueryFileStorageMB") == storage_before - 1
    refused = _create_query_job(http, "SELECT Id FROM Account OFFSET 1")
    assert refused.status_code == 400


def test_bulk_ingest_jobs_count_down_daily_batches(sf, http):
    before = _remaining(http, "DailyBulkApiBatches")
    tag = uuid.uuid4().hex[:8]
    [result] = sf.bulk2.Account.insert(
        records=[{"Name": f"Batches {tag} {i}"} for i in range(3)], wait=0.1
    )
    assert result["numberRecordsProcessed"] == 3
    assert _remaining(http, "DailyBulkApiBatches") == before - 1
