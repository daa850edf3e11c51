# ruff: noqa: S608, S314  (SOQL from test-made Ids; XML from our own simulator)
"""The partner SOAP ``undelete()`` call: Recycle Bin records come back with their Ids."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from tests.fixtures.sfsim import API_VERSION, sf_client

NS = {"p": "urn:partner.soap.sforce.com"}


def _undelete(sfsim, token: str, ids: list[str]):
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com">'
        f"<env:Header><urn:SessionHeader><urn:sessionId>{token}</urn:sessionId>"
        "</urn:SessionHeader></env:Header><env:Body><urn:undelete>"
        + "".join(f"<urn:ids>{i}</urn:ids>" for i in ids)
        + "</urn:undelete></env:Body></env:Envelope>"
    )
    return sfsim.session().post(
        f"{sfsim.base_url}/services/Soap/u/{API_VERSION}/00D",
        data=body.encode(),
        headers={"Content-Type": "text/xml", "SOAPAction": "undelete"},
    )


def test_undelete_keeps_ids_and_brings_cascaded_children_back(sfsim):
    sf = sf_client(sfsim)
    token = sfsim.token()["access_token"]
    tag = uuid.uuid4().hex[:8]
    account = sf.Account.create({"Name": f"Undel {tag}"})["id"]
    contact = sf.Contact.create({"LastName": f"C {tag}", "AccountId": account})["id"]
    sf.Account.delete(account)
    binned = sf.query_all(
        f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{contact}'", include_deleted=True
    )
    assert binned["records"][0]["IsDeleted"] is True
    before = int(sf.limits()["DailyApiRequests"]["Remaining"])

    response = _undelete(sfsim, token, [account, "001000000000000AAA"])

    assert response.status_code == 200
    results = ET.fromstring(response.content).findall(".//p:result", NS)
    assert [r.findtext("p:success", namespaces=NS) for r in results] == ["true", "false"]
    assert results[0].findtext("p:id", namespaces=NS) == account
    assert results[1].findtext("p:errors/p:statusCode", namespaces=NS) == "UNDELETE_FAILED"
    assert sf.Account.get(account)["IsDeleted"] is False
    restored = sf.Contact.get(contact)
    assert restored["IsDeleted"] is False and restored["AccountId"] == account
    # undelete, two gets and this limits call: the SOAP call counts like any other call
    assert int(sf.limits()["DailyApiRequests"]["Remaining"]) == before - 4


def test_undelete_of_a_live_record_fails_and_a_bad_session_is_a_fault(sfsim):
    sf = sf_client(sfsim)
    live = sf.Account.create({"Name": f"Live {uuid.uuid4().hex[:8]}"})["id"]
    ok = _undelete(sfsim, sfsim.token()["access_token"], [live])
    result = ET.fromstring(ok.content).find(".//p:result", NS)
    assert result.findtext("p:success", namespaces=NS) == "false"
    assert result.findtext("p:errors/p:statusCode", namespaces=NS) == "UNDELETE_FAILED"
    bad = _undelete(sfsim, "not-a-token", [live])
    assert bad.status_code == 500 and b"INVALID_SESSION_ID" in bad.content
