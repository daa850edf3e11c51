"""The connector against the running simulator: OAuth, the refreshing client, errors,
org info and the permission check."""

import pytest

from salesforce import auth
from salesforce.client import connect
from salesforce.errors import (
    SalesforceApiError,
    SalesforceAuthError,
    SalesforceUnreachable,
    salesforce_errors,
)
from salesforce.permissions import REQUIRED, permission_check


@pytest.fixture
def creds(sfsim) -> dict:
    return sfsim.credentials[0]


def grant(sfsim, creds) -> auth.TokenResponse:
    return auth.password_grant(
        creds["login_url"],
        creds["client_id"],
        creds["client_secret"],
        creds["username"],
        creds["password"],
        sfsim.ca_path,
    )


def test_password_grant_returns_tokens_and_ids(sfsim, creds):
    tokens = grant(sfsim, creds)
    assert tokens.access_token and tokens.refresh_token
    assert tokens.instance_url == sfsim.base_url
    assert tokens.org_id == creds["org_id"]
    assert tokens.user_id.startswith("005") and len(tokens.user_id) == 18


def test_refused_logins_say_why(sfsim, creds):
    with pytest.raises(SalesforceAuthError, match="Salesforce refused the login: authentication"):
        auth.password_grant(
            creds["login_url"],
            creds["client_id"],
            creds["client_secret"],
            creds["username"],
            "wrong",
            sfsim.ca_path,
        )
    with pytest.raises(SalesforceAuthError, match="does not know this client id"):
        auth.password_grant(
            creds["login_url"], "nope", "x", creds["username"], creds["password"], sfsim.ca_path
        )


def test_an_untrusted_certificate_is_unreachable_with_a_reason(sfsim, creds):
    with pytest.raises(SalesforceUnreachable, match="TLS certificate is not trusted"):
        auth.check_reachable(creds["login_url"], None)
    auth.check_reachable(creds["login_url"], sfsim.ca_path)


def test_authorize_url_carries_the_flow_parameters(creds):
    url = auth.authorize_url(
        creds["login_url"], "cid", "http://127.0.0.1:8000/cb/", "st8", code_verifier="v" * 50
    )
    assert url.startswith(
        f"{creds['login_url'].rstrip('/')}/services/oauth2/authorize?response_type=code"
    )
    for part in [
        "client_id=cid",
        "state=st8",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fcb%2F",
    ]:
        assert part in url
    assert "code_challenge_method=S256" in url


def test_client_reads_org_user_catalog_and_api_usage(sfsim, creds):
    tokens = grant(sfsim, creds)
    client = connect(tokens.instance_url, tokens.access_token, sfsim.ca_path, None)
    info = client.organization()
    assert info.org_id == creds["org_id"]
    assert info.edition
    assert client.userinfo()["preferred_username"] == creds["username"]
    names = {item["name"] for item in client.describe_global()["sobjects"]}
    assert {"Account", "Contact", "Organization"} <= names
    assert client.api_usage is not None
    used = client.api_usage.used
    client.query("SELECT Id FROM Account LIMIT 1")
    assert client.api_usage.used == used + 1


def test_api_errors_keep_salesforce_error_codes(sfsim, creds):
    tokens = grant(sfsim, creds)
    client = connect(tokens.instance_url, tokens.access_token, sfsim.ca_path, None)
    with pytest.raises(SalesforceApiError) as raised:
        client.query("SELECT FROM Account")
    assert raised.value.error_code == "MALFORMED_QUERY"
    with pytest.raises(SalesforceApiError) as raised, salesforce_errors():
        client.sf.query("SELECT Nope__c FROM Account")
    assert raised.value.error_code == "INVALID_FIELD"


def test_expired_token_is_refreshed_once_and_the_call_retried(sfsim, creds):
    tokens = grant(sfsim, creds)
    renewals = []

    def on_refresh() -> str:
        fresh = auth.refresh(
            creds["login_url"],
            creds["client_id"],
            creds["client_secret"],
            tokens.refresh_token,
            sfsim.ca_path,
        )
        renewals.append(fresh.access_token)
        return fresh.access_token

    client = connect(tokens.instance_url, tokens.access_token, sfsim.ca_path, on_refresh)
    auth.revoke(creds["login_url"], tokens.access_token, sfsim.ca_path)

    rows = client.sf.query("SELECT Id FROM Account LIMIT 2")["records"]  # simple_salesforce
    assert len(rows) == 2
    assert len(renewals) == 1
    assert client.access_token == renewals[0] == client.sf.session_id
    assert client.sf.Account.describe()["name"] == "Account"  # SFType uses the new token
    assert client.request("GET", "limits/").json()["DailyApiRequests"]["Max"] > 0
    assert len(renewals) == 1


def test_expired_token_without_refresh_is_an_auth_error(sfsim, creds):
    tokens = grant(sfsim, creds)
    client = connect(tokens.instance_url, tokens.access_token, sfsim.ca_path, None)
    auth.revoke(creds["login_url"], tokens.access_token, sfsim.ca_path)
    with pytest.raises(SalesforceAuthError) as raised:
        client.describe_global()
    assert raised.value.error_code == "INVALID_SESSION_ID"


def test_permission_check_is_the_or_of_profile_and_permission_sets(sfsim, creds):
    tokens = grant(sfsim, creds)
    client = connect(tokens.instance_url, tokens.access_token, sfsim.ca_path, None)
    assert permission_check(client, tokens.user_id) == []
    sfsim.manage("permission", "--username", creds["username"], "--name", "QueryAllFiles", "--off")
    try:
        assert permission_check(client, tokens.user_id) == ["PermissionsQueryAllFiles"]
    finally:
        sfsim.manage(
            "permission", "--username", creds["username"], "--name", "QueryAllFiles", "--on"
        )
    assert len(REQUIRED) == 5


def test_without_api_enabled_only_that_is_reported(sfsim, creds):
    tokens = grant(sfsim, creds)
    client = connect(tokens.instance_url, tokens.access_token, sfsim.ca_path, None)
    sfsim.manage("permission", "--username", creds["username"], "--name", "ApiEnabled", "--off")
    try:
        assert permission_check(client, tokens.user_id) == ["PermissionsApiEnabled"]
    finally:
        sfsim.manage("permission", "--username", creds["username"], "--name", "ApiEnabled", "--on")
