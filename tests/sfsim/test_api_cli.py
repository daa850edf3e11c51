# ruff: noqa: S608  (SOQL text built in tests)
"""What the official Salesforce CLI asks of an org, through plain HTTPS and simple-salesforce:
query ``columns=true``, the Tooling API's describe / get / unknown types, the Organization
fields read before a deploy, API versions up to v67.0 and URLs in the caller's version."""

from __future__ import annotations

import pytest

from tests.fixtures.sfsim import API_VERSION, sf_client


@pytest.fixture(scope="module")
def http(sfsim):
    session = sfsim.session()
    session.headers["Authorization"] = f"Bearer {sfsim.token()['access_token']}"
    return session, sfsim.base_url


def _data(base: str, version: str = API_VERSION) -> str:
    return f"{base}/services/data/v{version}"


def _columns(answer: dict) -> dict[str, dict]:
    return {c["columnName"]: c for c in answer["columnMetadata"]}


def test_query_columns_true_answers_column_metadata_not_records(http):
    session, base = http
    text = "SELECT Id, Name, AnnualRevenue, IsDeleted, Owner.Name, Owner.Email FROM Account"
    response = session.get(f"{_data(base)}/query", params={"q": text, "columns": "true"})
    assert response.status_code == 200
    answer = response.json()
    assert "records" not in answer
    assert answer["entityName"] == "Account" and answer["keyPrefix"] == "001"
    assert answer["idSelected"] is True and answer["groupBy"] is False
    columns = _columns(answer)
    assert list(columns) == ["Id", "Name", "AnnualRevenue", "IsDeleted", "Owner"]
    assert columns["Id"]["apexType"] == "Id" and columns["Id"]["insertable"] is False
    assert columns["Name"]["apexType"] == "String" and columns["Name"]["textType"] is True
    assert columns["Name"]["insertable"] is True and columns["Name"]["updatable"] is True
    assert columns["AnnualRevenue"]["numberType"] is True
    assert columns["IsDeleted"]["booleanType"] is True
    owner = columns["Owner"]
    assert owner["aggregate"] is False
    assert [c["columnName"] for c in owner["joinColumns"]] == ["Name", "Email"]


def test_columns_of_subqueries_and_aggregates(http):
    session, base = http
    text = "SELECT Name, (SELECT LastName, Email FROM Contacts) FROM Account"
    columns = _columns(
        session.get(f"{_data(base)}/query", params={"q": text, "columns": "true"}).json()
    )
    contacts = columns["Contacts"]
    assert contacts["aggregate"] is True
    assert [c["columnName"] for c in contacts["joinColumns"]] == ["LastName", "Email"]
    text = "SELECT Industry, COUNT(Id) n, MAX(AnnualRevenue) FROM Account GROUP BY Industry"
    answer = session.get(f"{_data(base)}/query", params={"q": text, "columns": "true"}).json()
    assert answer["groupBy"] is True and answer["idSelected"] is False
    columns = _columns(answer)
    assert list(columns) == ["Industry", "n", "expr0"]
    assert columns["n"]["aggregate"] is True and columns["n"]["apexType"] == "Integer"
    assert columns["n"]["displayName"] == "n"
    assert columns["expr0"]["displayName"] == "MAX(AnnualRevenue)"


def test_columns_true_still_validates_the_query(http):
    session, base = http
    response = session.get(
        f"{_data(base)}/query", params={"q": "SELECT Nope__c FROM Account", "columns": "true"}
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"


def test_tooling_query_columns_true(http):
    session, base = http
    answer = session.get(
        f"{_data(base)}/tooling/query",
        params={"q": "SELECT Id, Name, Status FROM ApexTrigger", "columns": "true"},
    ).json()
    assert answer["entityName"] == "ApexTrigger"
    assert [c["columnName"] for c in answer["columnMetadata"]] == ["Id", "Name", "Status"]


def test_tooling_describe_and_get_by_id(http):
    session, base = http
    described = session.get(f"{_data(base)}/tooling/sobjects/ApexClass/describe")
    assert described.status_code == 200
    body = described.json()
    assert body["name"] == "ApexClass" and body["keyPrefix"] == "01p"
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["Id"]["type"] == "id" and fields["Body"]["type"] == "textarea"
    assert fields["ApiVersion"]["type"] == "double"
    assert (
        body["urls"]["describe"]
        == f"/services/data/v{API_VERSION}/tooling/sobjects/ApexClass/describe"
    )
    listed = session.get(
        f"{_data(base)}/tooling/query", params={"q": "SELECT Id, Name FROM ApexClass LIMIT 1"}
    ).json()["records"][0]
    record = session.get(f"{_data(base)}/tooling/sobjects/ApexClass/{listed['Id']}")
    assert record.status_code == 200
    assert record.json()["Name"] == listed["Name"] and "public" in record.json()["Body"]
    assert record.json()["attributes"]["type"] == "ApexClass"
    names = {o["name"] for o in session.get(f"{_data(base)}/tooling/sobjects").json()["sobjects"]}
    assert {"ApexClass", "ApexTrigger", "ValidationRule", "FlowDefinition"} <= names


@pytest.mark.parametrize(
    "path",
    ["SourceMember/describe", "SourceMember", "SourceMember/0MZ000000000001AAA"],
)
def test_unknown_tooling_types_answer_404_not_found(http, path):
    session, base = http
    response = session.get(f"{_data(base)}/tooling/sobjects/{path}")
    assert response.status_code == 404
    error = response.json()[0]
    assert error["errorCode"] == "NOT_FOUND"
    assert error["message"] == "The requested resource does not exist"


def test_missing_tooling_record_is_404(http):
    session, base = http
    response = session.get(f"{_data(base)}/tooling/sobjects/ApexClass/01p000000000000AAA")
    assert response.status_code == 404 and response.json()[0]["errorCode"] == "NOT_FOUND"


def test_organization_has_trial_expiration_and_namespace_prefix(sfsim):
    sf = sf_client(sfsim)
    result = sf.query(
        "SELECT Id, TrialExpirationDate, NamespacePrefix, IsSandbox FROM Organization"
    )
    assert result["totalSize"] == 1
    org = result["records"][0]
    assert org["TrialExpirationDate"] is None and org["NamespacePrefix"] is None
    fields = {f["name"]: f for f in sf.Organization.describe()["fields"]}
    assert fields["TrialExpirationDate"]["type"] == "datetime"
    assert fields["NamespacePrefix"]["type"] == "string"
    assert not fields["NamespacePrefix"]["updateable"]


def test_versions_up_to_67_are_served(http):
    session, base = http
    listed = session.get(f"{base}/services/data/").json()
    assert listed[-1] == {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"}
    for version in ("63.0", "66.0", "67.0"):
        response = session.get(f"{_data(base, version)}/sobjects/Account/describe")
        assert response.status_code == 200, version
    assert session.get(f"{_data(base, '68.0')}/sobjects").status_code == 404


def test_urls_carry_the_api_version_of_the_request(http):
    session, base = http
    data = _data(base, "67.0")
    record = session.get(
        f"{data}/query", params={"q": "SELECT Id, Owner.Name FROM Account LIMIT 1"}
    ).json()["records"][0]
    assert record["attributes"]["url"].startswith("/services/data/v67.0/sobjects/Account/")
    assert record["Owner"]["attributes"]["url"].startswith("/services/data/v67.0/sobjects/User/")
    fetched = session.get(f"{data}/sobjects/Account/{record['Id']}").json()
    assert fetched["attributes"]["url"] == record["attributes"]["url"]
    described = session.get(f"{data}/sobjects/Contact/describe").json()
    assert described["urls"]["describe"] == "/services/data/v67.0/sobjects/Contact/describe"
    assert all("/v67.0/" in url for url in described["urls"].values() if "/services/data/" in url)
    global_urls = session.get(f"{data}/sobjects").json()["sobjects"][0]["urls"]
    assert all(url.startswith("/services/data/v67.0/") for url in global_urls.values())
    older = session.get(f"{_data(base, '52.0')}/sobjects/Account/{record['Id']}").json()
    assert older["attributes"]["url"].startswith("/services/data/v52.0/")


@pytest.mark.parametrize("version", ["63.0", "67.0"])
def test_metadata_api_speaks_the_current_versions(sfsim, version):
    token = sfsim.token()["access_token"]
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:met="http://soap.sforce.com/2006/04/metadata"><soapenv:Header>'
        f"<met:SessionHeader><met:sessionId>{token}</met:sessionId></met:SessionHeader>"
        "</soapenv:Header><soapenv:Body><met:listMetadata><met:queries><met:type>ApexClass"
        "</met:type></met:queries></met:listMetadata></soapenv:Body></soapenv:Envelope>"
    )
    answer = sfsim.session().post(
        f"{sfsim.base_url}/services/Soap/m/{version}",
        data=body,
        headers={"Content-Type": "text/xml", "SOAPAction": "listMetadata"},
    )
    assert answer.status_code == 200, answer.text
    assert "<fullName>AccountService</fullName>" in answer.text
    too_new = sfsim.session().post(
        f"{sfsim.base_url}/services/Soap/m/68.0",
        data=body,
        headers={"Content-Type": "text/xml", "SOAPAction": "listMetadata"},
    )
    assert too_new.status_code == 500 and "UNSUPPORTED_API_VERSION" in too_new.text


def test_columns_of_a_polymorphic_path(http):
    session, base = http
    answer = session.get(
        f"{_data(base)}/query",
        params={"q": "SELECT Subject, What.Name, Who.Email FROM Task", "columns": "true"},
    ).json()
    columns = _columns(answer)
    assert [c["columnName"] for c in columns["What"]["joinColumns"]] == ["Name"]
    assert columns["Who"]["joinColumns"][0]["columnName"] == "Email"
    assert columns["Who"]["joinColumns"][0]["textType"] is True
