"""Logging in to the simulator: SOAP login, OAuth grants and web-server flow, tokens."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession
from simple_salesforce.login import soap_login

from tests.fixtures.sfsim import API_VERSION, prepare_data_dir, sf_client, start_sfsim

SOAP_BODY = """<?xml version="1.0" encoding="utf-8" ?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:CallOptions>
  <urn:client>test</urn:client><urn:defaultNamespace>sf</urn:defaultNamespace>
  </urn:CallOptions></soapenv:Header><soapenv:Body><urn:login>
  <urn:username>{username}</urn:username><urn:password>{password}</urn:password>
  </urn:login></soapenv:Body></soapenv:Envelope>"""
SOAP_HEADERS = {"content-type": "text/xml", "charset": "UTF-8", "SOAPAction": "login"}
EXPIRED = [
    {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}
]


def test_soap_login_gives_a_session_the_rest_api_accepts(sfsim):
    creds = sfsim.credentials[0]
    session = sfsim.session()
    session_id, instance = soap_login(
        f"{sfsim.base_url}/services/Soap/u/{API_VERSION}",
        SOAP_BODY.format(username=creds["username"], password=creds["password"]),
        SOAP_HEADERS,
        None,
        session,
    )
    assert instance == sfsim.base_url.removeprefix("https://")
    sf = Salesforce(instance=instance, session_id=session_id, session=session, version=API_VERSION)
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1
    assert sf.api_usage["api-usage"].used >= 1


def test_soap_login_fault_has_salesforce_shape(sfsim):
    creds = sfsim.credentials[0]
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        soap_login(
            f"{sfsim.base_url}/services/Soap/u/{API_VERSION}",
            SOAP_BODY.format(username=creds["username"], password="wrong"),
            SOAP_HEADERS,
            None,
            sfsim.session(),
        )
    assert failure.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in failure.value.auth_message


def test_password_grant_answers_salesforce_token_fields(sfsim):
    token = sfsim.token()
    assert token["instance_url"] == sfsim.base_url
    assert token["token_type"] == "Bearer"
    assert token["id"].startswith(f"{sfsim.base_url}/id/{sfsim.credentials[0]['org_id']}/")
    assert {"access_token", "refresh_token", "issued_at", "signature", "scope"} <= set(token)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"password": "nope"},
            {"error": "invalid_grant", "error_description": "authentication failure"},
        ),
        (
            {"username": "nobody@example.com"},
            {"error": "invalid_grant", "error_description": "authentication failure"},
        ),
        (
            {"client_id": "bogus"},
            {"error": "invalid_client_id", "error_description": "client identifier invalid"},
        ),
        (
            {"client_secret": "bogus"},
            {"error": "invalid_client", "error_description": "invalid client credentials"},
        ),
        (
            {"grant_type": "magic"},
            {"error": "unsupported_grant_type", "error_description": "grant type not supported"},
        ),
    ],
)
def test_token_errors(sfsim, change, error):
    creds = sfsim.credentials[0]
    form = {
        "grant_type": "password",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "username": creds["username"],
        "password": creds["password"],
        **change,
    }
    answer = sfsim.session().post(f"{sfsim.base_url}/services/oauth2/token", data=form)
    assert answer.status_code == 400
    assert answer.json() == error


def _authorize(sfsim, session, redirect_uri, decision):
    creds = sfsim.credentials[0]
    params = {
        "response_type": "code",
        "client_id": creds["client_id"],
        "redirect_uri": redirect_uri,
        "state": "xyz 1",
    }
    page = session.get(f"{sfsim.base_url}/services/oauth2/authorize", params=params)
    assert page.status_code == 200 and "<form" in page.text and "password" in page.text
    consent = session.post(
        f"{sfsim.base_url}/services/oauth2/authorize",
        data={**params, "username": creds["username"], "password": creds["password"]},
    )
    assert consent.status_code == 200 and "Allow" in consent.text and "Deny" in consent.text
    key = re.search(r"name='consent' value='([^']+)'", consent.text).group(1)
    answer = session.post(
        f"{sfsim.base_url}/services/oauth2/authorize/consent",
        data={"consent": key, "decision": decision},
        allow_redirects=False,
    )
    assert answer.status_code in (302, 303)
    location = answer.headers["Location"]
    assert location.startswith(redirect_uri)
    return parse_qs(urlsplit(location).query)


def _redirect_uri(sfsim) -> str:
    creds = sfsim.credentials[0]
    return (
        creds.get("redirect_uri")
        or creds.get("redirect_uris", ["http://localhost:8000/oauth/callback"])[0]
    )


def test_web_server_flow_allow_then_code_exchange_and_refresh(sfsim):
    creds = sfsim.credentials[0]
    session = sfsim.session()
    redirect_uri = _redirect_uri(sfsim)
    query = _authorize(sfsim, session, redirect_uri, "allow")
    assert query["state"] == ["xyz 1"]
    token_form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "redirect_uri": redirect_uri,
    }
    tokens = session.post(f"{sfsim.base_url}/services/oauth2/token", data=token_form).json()
    assert tokens["instance_url"] == sfsim.base_url and tokens["refresh_token"]
    again = session.post(f"{sfsim.base_url}/services/oauth2/token", data=token_form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    info = session.get(
        f"{sfsim.base_url}/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ).json()
    assert info["preferred_username"] == creds["username"]
    assert info["organization_id"] == creds["org_id"]
    identity = session.get(
        tokens["id"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert identity["username"] == creds["username"] and identity["user_id"] == info["user_id"]

    refreshed = session.post(
        f"{sfsim.base_url}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        },
    ).json()
    assert refreshed["access_token"] and "refresh_token" not in refreshed


def test_web_server_flow_deny(sfsim):
    query = _authorize(sfsim, sfsim.session(), _redirect_uri(sfsim), "deny")
    assert query == {
        "error": ["access_denied"],
        "error_description": ["end-user denied authorization"],
        "state": ["xyz 1"],
    }


def test_authorize_with_unknown_client(sfsim):
    page = sfsim.session().get(
        f"{sfsim.base_url}/services/oauth2/authorize",
        params={"response_type": "code", "client_id": "nope", "redirect_uri": "http://x/cb"},
    )
    assert page.status_code == 400 and "error=invalid_client_id" in page.text


def test_revoked_token_gets_invalid_session(sfsim):
    token = sfsim.token()
    session = sfsim.session()
    assert (
        session.post(
            f"{sfsim.base_url}/services/oauth2/revoke", data={"token": token["access_token"]}
        ).status_code
        == 200
    )
    answer = session.get(
        f"{sfsim.base_url}/services/data/v{API_VERSION}/limits",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert answer.status_code == 401 and answer.json() == EXPIRED


def test_missing_token_is_invalid_session(sfsim):
    answer = sfsim.session().get(f"{sfsim.base_url}/services/data/v{API_VERSION}/sobjects")
    assert answer.status_code == 401 and answer.json() == EXPIRED


def test_expired_token_then_refresh(tmp_path):
    data_dir = prepare_data_dir(tmp_path / "short", generate=20)
    with start_sfsim(data_dir, extra_args=("--token-lifetime", "2")) as sim:
        token = sim.token()
        sf = sf_client(sim)
        assert sf.query("SELECT Id FROM Account LIMIT 1")["done"] is True
        time.sleep(2.5)
        answer = sim.session().get(
            f"{sim.base_url}/services/data/v{API_VERSION}/limits",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert answer.status_code == 401 and answer.json() == EXPIRED
        with pytest.raises(SalesforceExpiredSession):
            sf.query("SELECT Id FROM Account LIMIT 1")
        creds = sim.credentials[0]
        refreshed = (
            sim.session()
            .post(
                f"{sim.base_url}/services/oauth2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": token["refresh_token"],
                    "client_id": creds["client_id"],
                    "client_secret": creds["client_secret"],
                },
            )
            .json()
        )
        sf = Salesforce(
            instance_url=refreshed["instance_url"],
            session_id=refreshed["access_token"],
            session=sim.session(),
            version=API_VERSION,
        )
        assert sf.query("SELECT Id FROM Account LIMIT 1")["done"] is True
