"""Metadata API through simple-salesforce's mdapi (zeep) and its hand-written envelopes."""

from __future__ import annotations

import io
import zipfile

import pytest
import requests

from tests.fixtures.sfsim import API_VERSION, sf_client


@pytest.fixture
def sf(sfsim, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sfsim.ca_path)
    return sf_client(sfsim)


def test_describe_and_list_metadata(sf):
    described = sf.mdapi.describe_metadata()
    names = {item.xmlName for item in described.metadataObjects}
    assert {"ApexClass", "ApexTrigger", "CustomObject", "Flow", "Profile"} <= names
    query = sf.mdapi.ListMetadataQuery(type="ApexTrigger")
    listed = sf.mdapi.list_metadata([query])
    assert "AccountRatingTrigger" in {item.fullName for item in listed}
    assert all(item.type == "ApexTrigger" for item in listed)


def test_retrieve_returns_a_zip_with_package_xml(sf):
    async_id, state = sf.mdapi.retrieve(
        "retrieve1", unpackaged={"ApexTrigger": ["*"], "CustomObject": ["Account"]}
    )
    assert async_id.startswith("09S") and state == "Queued"
    status, error, _messages = sf.mdapi.check_retrieve_status(async_id)
    assert status == "Succeeded" and error is None
    status, _error, _messages, data = sf.mdapi.retrieve_zip(async_id)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(name.endswith("package.xml") for name in names)
    assert any("AccountRatingTrigger" in name for name in names)


def test_metadata_fault_for_a_bad_session(sfsim):
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:met="http://soap.sforce.com/2006/04/metadata"><soapenv:Header>'
        "<met:SessionHeader><met:sessionId>bogus</met:sessionId></met:SessionHeader>"
        "</soapenv:Header><soapenv:Body><met:describeMetadata><met:asOfVersion>62.0"
        "</met:asOfVersion></met:describeMetadata></soapenv:Body></soapenv:Envelope>"
    )
    answer = sfsim.session().post(
        f"{sfsim.base_url}/services/Soap/m/{API_VERSION}",
        data=body,
        headers={"Content-Type": "text/xml", "SOAPAction": "describeMetadata"},
    )
    assert answer.status_code == 500
    assert "<faultcode>sf:INVALID_SESSION_ID</faultcode>" in answer.text


def test_deploy_then_check_status(sf):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "package.xml",
            '<?xml version="1.0" encoding="UTF-8"?><Package xmlns="http://soap.sforce.com/2006/04/metadata">'
            "<types><members>HelloSim</members><name>ApexClass</name></types>"
            f"<version>{API_VERSION}</version></Package>",
        )
        archive.writestr("classes/HelloSim.cls", "public class HelloSim {}")
        archive.writestr(
            "classes/HelloSim.cls-meta.xml",
            '<?xml version="1.0" encoding="UTF-8"?><ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">'
            f"<apiVersion>{API_VERSION}</apiVersion><status>Active</status></ApexClass>",
        )
    async_id, state = sf.mdapi.deploy(buffer, sandbox=True)
    assert async_id.startswith("0Af") and state == "Queued"
    status, _detail, deployment, _tests = sf.mdapi.check_deploy_status(async_id)
    assert status == "Succeeded" and deployment["errors"] == []
    listed = sf.mdapi.list_metadata([sf.mdapi.ListMetadataQuery(type="ApexClass")])
    assert "HelloSim" in {item.fullName for item in listed}


def test_requests_without_ca_fail(sfsim):
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{sfsim.base_url}/services/data/")
