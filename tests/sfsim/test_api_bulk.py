# ruff: noqa: S608  (SOQL text built from test-made values, sent to the simulator)
"""Bulk API 2.0 through simple-salesforce's bulk2 and plain requests."""

from __future__ import annotations

import csv
import io
import time
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


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_bulk2_query_matches_rest_query(sf):
    expected = sf.query_all("SELECT Id, Name FROM Account")["totalSize"]
    pages = list(sf.bulk2.Account.query("SELECT Id, Name FROM Account", max_records=50, wait=0.1))
    assert len(pages) == -(-expected // 50)
    records = [row for page in pages for row in _rows(page)]
    assert len(records) == expected
    assert len({r["Id"] for r in records}) == expected
    assert list(records[0]) == ["Id", "Name"]


def test_bulk2_query_all_includes_the_recycle_bin(sf):
    tag = uuid.uuid4().hex[:8]
    account_id = sf.Account.create({"Name": f"Bulk bin {tag}"})["id"]
    sf.Account.delete(account_id)
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Name = 'Bulk bin {tag}'"
    live = [r for p in sf.bulk2.Account.query(soql, wait=0.1) for r in _rows(p)]
    assert live == []
    binned = [r for p in sf.bulk2.Account.query_all(soql, wait=0.1) for r in _rows(p)]
    assert binned == [{"Id": account_id, "IsDeleted": "true"}]


def test_bulk2_ingest_insert_update_delete(sf):
    tag = uuid.uuid4().hex[:8]
    records = [{"Name": f"Ingest {tag} {i}", "Industry": "Energy"} for i in range(5)]
    records.append({"Name": "x" * 300, "Industry": "Energy"})
    [result] = sf.bulk2.Account.insert(records=records, wait=0.1)
    assert result["numberRecordsProcessed"] == 6 and result["numberRecordsFailed"] == 1
    job_id = result["job_id"]
    ok = _rows(sf.bulk2.Account.get_successful_records(job_id))
    assert len(ok) == 5 and all(r["sf__Created"] == "true" for r in ok)
    assert all(r["sf__Id"].startswith("001") for r in ok)
    failed = _rows(sf.bulk2.Account.get_failed_records(job_id))
    assert len(failed) == 1 and failed[0]["sf__Error"].startswith("STRING_TOO_LONG:")
    assert _rows(sf.bulk2.Account.get_unprocessed_records(job_id)) == []

    updates = [{"Id": r["sf__Id"], "Industry": "Banking"} for r in ok]
    [updated] = sf.bulk2.Account.update(records=updates, wait=0.1)
    assert updated["numberRecordsFailed"] == 0
    check = sf.query(f"SELECT Industry FROM Account WHERE Name LIKE 'Ingest {tag}%'")
    assert {r["Industry"] for r in check["records"]} == {"Banking"}

    [deleted] = sf.bulk2.Account.delete(records=[{"Id": r["sf__Id"]} for r in ok], wait=0.1)
    assert deleted["numberRecordsProcessed"] == 5 and deleted["numberRecordsFailed"] == 0
    assert sf.query(f"SELECT Id FROM Account WHERE Name LIKE 'Ingest {tag}%'")["totalSize"] == 0


def test_bulk2_upsert_by_external_id(sf):
    code = f"B-{uuid.uuid4().hex[:8]}"
    [first] = sf.bulk2.Project__c.upsert(
        records=[{"Code__c": code, "Name": "One"}], external_id_field="Code__c", wait=0.1
    )
    assert first["numberRecordsFailed"] == 0
    [second] = sf.bulk2.Project__c.upsert(
        records=[{"Code__c": code, "Name": "Two"}], external_id_field="Code__c", wait=0.1
    )
    rows = _rows(sf.bulk2.Project__c.get_successful_records(second["job_id"]))
    assert rows[0]["sf__Created"] == "false"
    assert (
        sf.query(f"SELECT Name FROM Project__c WHERE Code__c = '{code}'")["records"][0]["Name"]
        == "Two"
    )


def _wait_state(session, url: str, states=("JobComplete", "Failed", "Aborted")) -> dict:
    for _ in range(200):
        info = session.get(url).json()
        if info["state"] in states:
            return info
        time.sleep(0.05)
    raise AssertionError(f"job stuck in {info['state']}")


def test_query_job_results_paging_headers(http):
    session, base = http
    job = session.post(
        f"{base}/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}
    ).json()
    assert job["state"] == "UploadComplete" and job["id"].startswith("750")
    info = _wait_state(session, f"{base}/jobs/query/{job['id']}")
    total = info["numberRecordsProcessed"]
    assert info["state"] == "JobComplete" and total > 3
    first = session.get(f"{base}/jobs/query/{job['id']}/results", params={"maxRecords": 3})
    assert first.headers["Sforce-NumberOfRecords"] == "3"
    assert first.text.splitlines()[0] == '"Id"' and len(first.text.splitlines()) == 4
    locator = first.headers["Sforce-Locator"]
    rest = session.get(
        f"{base}/jobs/query/{job['id']}/results", params={"maxRecords": total, "locator": locator}
    )
    assert rest.headers["Sforce-Locator"] == "null"
    assert int(rest.headers["Sforce-NumberOfRecords"]) == total - 3


def test_query_job_errors(http):
    session, base = http
    bad = session.post(f"{base}/jobs/query", json={"operation": "query", "query": "SELECT FROM"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "MALFORMED_QUERY"
    missing = session.get(f"{base}/jobs/query/7500000000000000AAA")
    assert missing.status_code == 404


def test_ingest_job_state_machine(http):
    session, base = http
    job = session.post(
        f"{base}/jobs/ingest", json={"object": "Account", "operation": "insert"}
    ).json()
    assert job["state"] == "Open"
    url = f"{base}/jobs/ingest/{job['id']}"
    upload = session.put(
        f"{url}/batches", data="Name\nState A\n", headers={"Content-Type": "text/csv"}
    )
    assert upload.status_code == 201
    early = session.get(f"{url}/successfulResults")
    assert early.status_code == 400
    closed = session.patch(url, json={"state": "UploadComplete"})
    assert closed.json()["state"] in ("UploadComplete", "InProgress", "JobComplete")
    info = _wait_state(session, url)
    assert info["state"] == "JobComplete" and info["numberRecordsProcessed"] == 1
    again = session.put(f"{url}/batches", data="Name\nX\n", headers={"Content-Type": "text/csv"})
    assert again.status_code == 400

    aborted = session.post(
        f"{base}/jobs/ingest", json={"object": "Account", "operation": "insert"}
    ).json()
    answer = session.patch(f"{base}/jobs/ingest/{aborted['id']}", json={"state": "Aborted"})
    assert answer.json()["state"] == "Aborted"
    bad = session.post(f"{base}/jobs/ingest", json={"object": "Nope__x", "operation": "insert"})
    assert bad.status_code == 400
