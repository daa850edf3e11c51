"""OAuth 2.0 against a Salesforce login URL (login, test, a My Domain, or the simulator).

simple-salesforce's login helpers hard-code `https://{domain}.salesforce.com`, so the
token calls are made here with `requests` and the result is handed to `connect()`.
Every function takes the login URL and an optional CA bundle path explicitly; nothing
here reads Django settings.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlparse

import requests

from salesforce.errors import (
    SalesforceApiError,
    SalesforceAuthError,
    SalesforceUnreachable,
    connection_reason,
    parse_error_body,
)

SCOPES = "api id refresh_token"
TIMEOUT = (10, 60)

# OAuth error codes Salesforce returns from the token endpoint, in plain words.
_OAUTH_ERRORS = {
    "invalid_client_id": "Salesforce does not know this client id (the connected app's "
    "consumer key). Check the client id.",
    "invalid_client": "Salesforce refused the client secret (the connected app's consumer "
    "secret). Check the client secret.",
    "invalid_client_credentials": "Salesforce refused the client secret (the connected app's "
    "consumer secret). Check the client secret.",
    "redirect_uri_mismatch": "The callback URL is not registered in the connected app. Add "
    "this site's /orgs/oauth/callback/ URL to the connected app.",
    "invalid_grant": "Salesforce refused the login",
    "inactive_user": "The Salesforce user is inactive.",
    "inactive_org": "The Salesforce org is locked, closed or suspended.",
}


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    instance_url: str
    refresh_token: str  # "" when the grant returned none (refresh without rotation)
    id_url: str  # https://login.../id/<org id>/<user id>
    issued_at: str
    scope: str

    @property
    def org_id(self) -> str:
        return _id_url_parts(self.id_url)[0]

    @property
    def user_id(self) -> str:
        return _id_url_parts(self.id_url)[1]


def _id_url_parts(id_url: str) -> tuple[str, str]:
    parts = [p for p in urlparse(id_url).path.split("/") if p]
    if len(parts) >= 3 and parts[-3] == "id":
        return parts[-2], parts[-1]
    return "", ""


def make_session(ca_bundle: str | None) -> requests.Session:
    """A session that trusts `ca_bundle` (or the system CAs) and ignores proxy/CA env vars."""
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_bundle or True
    return session


def base_url(login_url: str) -> str:
    return login_url.rstrip("/")


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    return secrets.token_urlsafe(64)


def code_challenge(code_verifier: str) -> str:
    digest = hashlib.sha256(code_verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(
    login_url: str,
    client_id: str,
    redirect_uri: str,
    state: str,
    *,
    code_verifier: str | None = None,
    prompt: str = "login consent",
) -> str:
    """Where to send the person's browser to log in and allow access (web-server flow)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": SCOPES,
        "prompt": prompt,
    }
    if code_verifier:
        params["code_challenge"] = code_challenge(code_verifier)
        params["code_challenge_method"] = "S256"
    return f"{base_url(login_url)}/services/oauth2/authorize?{urlencode(params)}"


def check_reachable(login_url: str, ca_bundle: str | None) -> None:
    """Raise SalesforceUnreachable when the login URL gives no HTTP answer at all."""
    url = base_url(login_url)
    try:
        make_session(ca_bundle).get(url, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise SalesforceUnreachable(url, connection_reason(exc)) from None


def _token_call(login_url: str, data: dict, ca_bundle: str | None) -> TokenResponse:
    url = f"{base_url(login_url)}/services/oauth2/token"
    try:
        response = make_session(ca_bundle).post(
            url, data=data, headers={"Accept": "application/json"}, timeout=TIMEOUT
        )
    except requests.RequestException as exc:
        raise SalesforceUnreachable(base_url(login_url), connection_reason(exc)) from None
    try:
        body = response.json()
    except ValueError:
        raise SalesforceApiError(
            f"HTTP_{response.status_code}",
            f"{base_url(login_url)} did not answer like a Salesforce login URL "
            "(no OAuth token endpoint). Check the URL.",
            response.status_code,
        ) from None
    if response.status_code != 200 or "access_token" not in body:
        code, description = parse_error_body(body)
        raise SalesforceAuthError(_oauth_message(code, description), code)
    return TokenResponse(
        access_token=body["access_token"],
        instance_url=body.get("instance_url", ""),
        refresh_token=body.get("refresh_token", ""),
        id_url=body.get("id", ""),
        issued_at=str(body.get("issued_at", "")),
        scope=body.get("scope", ""),
    )


def _oauth_message(code: str, description: str) -> str:
    known = _OAUTH_ERRORS.get(code)
    if code == "invalid_grant":
        return f"{known}: {description}." if description else f"{known}."
    if known:
        return known
    return f"Salesforce refused the request: {description or code}."


def exchange_code(
    login_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    ca_bundle: str | None,
    *,
    code_verifier: str | None = None,
) -> TokenResponse:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
    }
    if code_verifier:
        data["code_verifier"] = code_verifier
    return _token_call(login_url, data, ca_bundle)


def password_grant(
    login_url: str,
    client_id: str,
    client_secret: str,
    username: str,
    password: str,
    ca_bundle: str | None,
) -> TokenResponse:
    """Username-password flow, for scripts (`org_connect`). Real orgs may disable it."""
    data = {
        "grant_type": "password",
        "client_id": client_id,
        "client_secret": client_secret,
        "username": username,
        "password": password,
    }
    return _token_call(login_url, data, ca_bundle)


def refresh(
    login_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    ca_bundle: str | None,
) -> TokenResponse:
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return _token_call(login_url, data, ca_bundle)


def revoke(login_url: str, token: str, ca_bundle: str | None) -> None:
    """Revoke a refresh or access token. An unknown token is not an error."""
    url = f"{base_url(login_url)}/services/oauth2/revoke"
    try:
        response = make_session(ca_bundle).post(url, data={"token": token}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise SalesforceUnreachable(base_url(login_url), connection_reason(exc)) from None
    if response.status_code >= 500:
        code, message = parse_error_body(response.content)
        raise SalesforceApiError(code or f"HTTP_{response.status_code}", message)
