# ruff: noqa: S608  (SOQL text built from test-made values, sent to the simulator)
"""REST API through simple-salesforce and plain requests: CRUD, queries, errors, deletes."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest
from simple_salesforce.exceptions import SalesforceResourceNotFound

from tests.fixtures.sfsim import API_VERSION, prepare_data_dir, sf_client, start_sfsim

SHAPE = {"message", "errorCode", "fields"}


@pytest.fixture(scope="module")
def sf(sfsim):
    return sf_client(sfsim)


@pytest.fixture(scope="module")
def http(sfsim):
    """(session with the Bearer token set, data URL)."""
    session = sfsim.session()
    session.headers["Authorization"] = f"Bearer {sfsim.token()['access_token']}"
    return session, f"{sfsim.base_url}/services/data/v{API_VERSION}"


def _tag() -> str:
    return uuid.uuid4().hex[:10]


def test_versions_resources_and_describe_global(sfsim, http):
    session, base = http
    versions = session.get(f"{sfsim.base_url}/services/data/").json()
    assert versions[0]["version"] == "20.0" and versions[-1]["version"] == "67.0"
    assert versions[-1] == {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"}
    resources = session.get(f"{base}/").json()
    assert resources["query"] == f"/services/data/v{API_VERSION}/query"
    names = {o["name"] for o in session.get(f"{base}/sobjects").json()["sobjects"]}
    assert {"Account", "Contact", "Case", "Attachment", "ContentVersion"} <= names
    unknown = session.get(f"{sfsim.base_url}/services/data/v19.0/sobjects")
    assert unknown.status_code == 404 and unknown.json()[0]["errorCode"] == "NOT_FOUND"


def test_crud_through_simple_salesforce(sf):
    name = f"Crud {_tag()}"
    created = sf.Account.create({"Name": name, "Industry": "Energy"})
    assert created["success"] is True and created["id"].startswith("001")
    record = sf.Account.get(created["id"])
    assert record["Name"] == name and record["attributes"]["type"] == "Account"
    assert sf.Account.update(created["id"], {"Industry": "Banking"}) == 204
    assert sf.Account.get(created["id"])["Industry"] == "Banking"
    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(created["id"])


def test_get_with_fields_and_sobject_info(http):
    session, base = http
    account_id = session.post(f"{base}/sobjects/Account", json={"Name": f"F {_tag()}"}).json()["id"]
    record = session.get(f"{base}/sobjects/Account/{account_id}", params={"fields": "Name"}).json()
    assert set(record) == {"attributes", "Id", "Name"}
    info = session.get(f"{base}/sobjects/Account").json()
    assert info["objectDescribe"]["keyPrefix"] == "001" and info["recentItems"] == []


def test_upsert_by_external_id(http):
    session, base = http
    code = f"P-{_tag()}"
    first = session.patch(f"{base}/sobjects/Project__c/Code__c/{code}", json={"Name": "Alpha"})
    assert first.status_code == 201 and first.json()["created"] is True
    second = session.patch(f"{base}/sobjects/Project__c/Code__c/{code}", json={"Name": "Beta"})
    assert second.status_code == 200 and second.json()["created"] is False
    assert second.json()["id"] == first.json()["id"]
    record = session.get(f"{base}/sobjects/Project__c/Code__c/{code}").json()
    assert record["Name"] == "Beta"
    missing = session.patch(
        f"{base}/sobjects/Project__c/Code__c/{code}-new?updateOnly=true", json={"Name": "Gamma"}
    )
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"


def _check_error(answer, code: str, status: int = 400) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == SHAPE
    assert body[0]["errorCode"] == code
    return body[0]


def test_error_shapes_never_500(http):
    session, base = http
    _check_error(
        session.get(f"{base}/query", params={"q": "SELEC Id FROM Account"}), "MALFORMED_QUERY"
    )
    _check_error(
        session.get(f"{base}/query", params={"q": "SELECT Nope__x FROM Account"}), "INVALID_FIELD"
    )
    _check_error(
        session.get(f"{base}/query", params={"q": "SELECT Id FROM Nope__x"}), "INVALID_TYPE"
    )
    missing = _check_error(
        session.post(f"{base}/sobjects/Account", json={"Industry": "Energy"}),
        "REQUIRED_FIELD_MISSING",
    )
    assert missing["fields"] == ["Name"]
    too_long = _check_error(
        session.post(f"{base}/sobjects/Account", json={"Name": "x" * 300}), "STRING_TOO_LONG"
    )
    assert too_long["fields"] == ["Name"]
    wrong = session.post(
        f"{base}/sobjects/Account", json={"Name": "T", "NumberOfEmployees": "many"}
    )
    assert wrong.status_code == 400 and set(wrong.json()[0]) == SHAPE
    unknown = _check_error(
        session.post(f"{base}/sobjects/Account", json={"Name": "T", "Nope__c": 1}), "INVALID_FIELD"
    )
    assert "Nope__c" in unknown["message"]
    _check_error(session.post(f"{base}/sobjects/Account", data="{not json"), "JSON_PARSER_ERROR")
    _check_error(session.get(f"{base}/sobjects/Account/001000000000000AAA"), "NOT_FOUND", 404)


def test_query_all_across_pages(sf, http):
    session, base = http
    tag = _tag()
    for start in range(0, 450, 200):
        records = [
            {"attributes": {"type": "Contact"}, "LastName": f"Page {tag} {i}"}
            for i in range(start, min(450, start + 200))
        ]
        results = session.post(f"{base}/composite/sobjects", json={"records": records}).json()
        assert all(r["success"] for r in results)
    sf.headers["Sforce-Query-Options"] = "batchSize=200"
    try:
        first = sf.query(f"SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Page {tag}%'")
        assert first["totalSize"] == 450 and len(first["records"]) == 200
        assert first["nextRecordsUrl"].startswith(f"/services/data/v{API_VERSION}/query/01g")
        assert first["nextRecordsUrl"].endswith("-200")
        everything = sf.query_all(f"SELECT Id FROM Contact WHERE LastName LIKE 'Page {tag}%'")
    finally:
        del sf.headers["Sforce-Query-Options"]
    assert everything["totalSize"] == 450 and len(everything["records"]) == 450
    assert len({r["Id"] for r in everything["records"]}) == 450


def test_delete_cascades_to_contacts_and_include_deleted(sf):
    tag = _tag()
    account_id = sf.Account.create({"Name": f"Cascade {tag}"})["id"]
    contact_ids = [
        sf.Contact.create({"LastName": f"C {tag} {i}", "AccountId": account_id})["id"]
        for i in range(2)
    ]
    sf.Account.delete(account_id)
    live = sf.query(f"SELECT Id FROM Contact WHERE AccountId = '{account_id}'")
    assert live["totalSize"] == 0
    binned = sf.query_all(
        f"SELECT Id, IsDeleted FROM Contact WHERE AccountId = '{account_id}'", include_deleted=True
    )
    assert {r["Id"] for r in binned["records"]} == set(contact_ids)
    assert all(r["IsDeleted"] is True for r in binned["records"])
    account = sf.query(
        f"SELECT Id, IsDeleted FROM Account WHERE Id = '{account_id}'", include_deleted=True
    )
    assert account["records"][0]["IsDeleted"] is True


def test_delete_refused_while_a_case_references_the_account(sf, http):
    session, base = http
    account_id = sf.Account.create({"Name": f"Restrict {_tag()}"})["id"]
    sf.Case.create({"Subject": "Broken", "AccountId": account_id})
    error = _check_error(session.delete(f"{base}/sobjects/Account/{account_id}"), "DELETE_FAILED")
    assert "Case" in error["message"] or "case" in error["message"]
    assert sf.Account.get(account_id)["Id"] == account_id


def test_deleted_and_updated_resources(sf, http):
    session, base = http
    account_id = sf.Account.create({"Name": f"Window {_tag()}"})["id"]
    sf.Account.delete(account_id)
    # The window is around the simulator's clock, which other tests move forward.
    [row] = sf.query_all(
        f"SELECT SystemModstamp FROM Account WHERE Id = '{account_id}'", include_deleted=True
    )["records"]
    now = dt.datetime.strptime(row["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    window = {
        "start": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "end": (now + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    }
    deleted = session.get(f"{base}/sobjects/Account/deleted/", params=window).json()
    assert account_id in {r["id"] for r in deleted["deletedRecords"]}
    updated = session.get(f"{base}/sobjects/Account/updated/", params=window).json()
    assert "ids" in updated and account_id not in updated["ids"]
    _check_error(session.get(f"{base}/sobjects/Account/deleted/"), "MISSING_ARGUMENT")


def test_binary_bodies(http):
    session, base = http
    account_id = session.post(f"{base}/sobjects/Account", json={"Name": f"Files {_tag()}"}).json()[
        "id"
    ]
    payload = bytes(range(256)) * 4
    attachment = session.post(
        f"{base}/sobjects/Attachment",
        json={"ParentId": account_id, "Name": "a.bin", "Body": base64.b64encode(payload).decode()},
    ).json()["id"]
    assert session.get(f"{base}/sobjects/Attachment/{attachment}/Body").content == payload
    version = session.post(
        f"{base}/sobjects/ContentVersion",
        json={
            "Title": "doc",
            "PathOnClient": "doc.txt",
            "VersionData": base64.b64encode(b"hello").decode(),
        },
    ).json()["id"]
    assert session.get(f"{base}/sobjects/ContentVersion/{version}/VersionData").content == b"hello"


def test_composite_sobjects_all_or_none_rolls_back(http):
    session, base = http
    tag = _tag()
    records = [
        {"attributes": {"type": "Account"}, "Name": f"AON {tag} ok"},
        {"attributes": {"type": "Account"}, "Industry": "Energy"},
    ]
    results = session.post(
        f"{base}/composite/sobjects", json={"allOrNone": True, "records": records}
    ).json()
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    found = session.get(
        f"{base}/query", params={"q": f"SELECT Id FROM Account WHERE Name = 'AON {tag} ok'"}
    )
    assert found.json()["totalSize"] == 0

    partial = session.post(
        f"{base}/composite/sobjects", json={"allOrNone": False, "records": records}
    ).json()
    assert [r["success"] for r in partial] == [True, False]
    ids = partial[0]["id"] + ",001000000000000AAA"
    deleted = session.delete(f"{base}/composite/sobjects", params={"ids": ids}).json()
    assert deleted[0] == {"id": partial[0]["id"], "success": True, "errors": []}
    assert deleted[1]["success"] is False and deleted[1]["id"] == "001000000000000AAA"


def test_composite_with_references(http):
    session, base = http
    tag = _tag()
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": f"/services/data/v{API_VERSION}/sobjects/Account",
                "referenceId": "acct",
                "body": {"Name": f"Composite {tag}"},
            },
            {
                "method": "POST",
                "url": f"/services/data/v{API_VERSION}/sobjects/Contact",
                "referenceId": "person",
                "body": {"LastName": f"Ref {tag}", "AccountId": "@{acct.id}"},
            },
            {
                "method": "GET",
                "url": f"/services/data/v{API_VERSION}/sobjects/Contact/@{{person.id}}?fields=AccountId",
                "referenceId": "check",
            },
        ],
    }
    answers = session.post(f"{base}/composite", json=body).json()["compositeResponse"]
    assert [a["httpStatusCode"] for a in answers] == [201, 201, 200]
    assert answers[2]["body"]["AccountId"] == answers[0]["body"]["id"]


def test_limits_count_down_then_request_limit_exceeded(tmp_path):
    data_dir = prepare_data_dir(tmp_path / "limits", generate=10)
    with start_sfsim(data_dir) as sim:
        sim.manage(
            "limit", "--username", sim.credentials[0]["username"], "--daily-api-requests", "5"
        )
        session = sim.session()
        session.headers["Authorization"] = f"Bearer {sim.token()['access_token']}"
        base = f"{sim.base_url}/services/data/v{API_VERSION}"
        first = session.get(f"{base}/limits")
        assert first.status_code == 200
        assert first.json()["DailyApiRequests"]["Max"] == 5
        used = int(first.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])
        second = session.get(f"{base}/limits")
        assert second.headers["Sforce-Limit-Info"] == f"api-usage={used + 1}/5"
        assert second.json()["DailyApiRequests"]["Remaining"] == 5 - (used + 1)
        for _ in range(5 - (used + 1)):
            assert session.get(f"{base}/sobjects").status_code == 200
        spent = session.get(f"{base}/sobjects")
        _check_error(spent, "REQUEST_LIMIT_EXCEEDED", 403)


def test_tooling_lists_and_toggles_automations(http):
    session, base = http
    answer = session.get(
        f"{base}/tooling/query", params={"q": "SELECT Id, Name, Status FROM ApexTrigger"}
    )
    assert answer.status_code == 200, answer.text
    triggers = answer.json()["records"]
    assert triggers and triggers[0]["Name"] == "AccountRatingTrigger"


def test_malformed_ids_and_unknown_routes(http):
    session, base = http
    bad = session.get(f"{base}/sobjects/Account/xyz")
    assert bad.status_code in (400, 404) and set(bad.json()[0]) >= {"errorCode", "message"}
    missing = session.get(f"{base}/no/such/resource")
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"
    not_allowed = session.put(f"{base}/query")
    assert not_allowed.status_code == 405
