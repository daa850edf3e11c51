"""OAuth 2.0: web-server flow (login + consent pages), token grants, revoke, userinfo, id."""

from __future__ import annotations

import html
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from sfsim.errors import SalesforceError, invalid_session
from sfsim.server import jwt_bearer
from sfsim.server.app import public, routes
from sfsim.server.http import Ctx, bearer_token, json_response

CODE_SECONDS = 15 * 60
PAGE_STYLE = (
    "body{font-family:sans-serif;background:#f3f3f3}"
    "main{max-width:360px;margin:60px auto;background:#fff;padding:24px;border-radius:6px}"
    "label{display:block;margin-top:12px}input{width:100%;padding:6px}"
    "button{margin-top:16px;padding:8px 16px}.error{color:#b00}"
)


@dataclass
class Pending:
    """An authorization in progress: who logged in and where to send them back."""

    org_id: str
    user_id: str
    client_id: str
    redirect_uri: str
    state: str
    created: float


class OAuthState:
    """In-memory consent requests and authorization codes (short-lived, like Salesforce's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._consents: dict[str, Pending] = {}
        self._codes: dict[str, Pending] = {}

    def _put(self, table: dict, pending: Pending) -> str:
        key = secrets.token_urlsafe(24)
        with self._lock:
            cutoff = time.monotonic() - CODE_SECONDS
            for old in [k for k, p in table.items() if p.created < cutoff]:
                del table[old]
            table[key] = pending
        return key

    def _take(self, table: dict, key: str) -> Pending | None:
        with self._lock:
            pending = table.pop(key, None)
        if pending is None or pending.created < time.monotonic() - CODE_SECONDS:
            return None
        return pending

    def new_consent(self, pending: Pending) -> str:
        return self._put(self._consents, pending)

    def take_consent(self, key: str) -> Pending | None:
        return self._take(self._consents, key)

    def new_code(self, pending: Pending) -> str:
        return self._put(self._codes, pending)

    def take_code(self, key: str) -> Pending | None:
        return self._take(self._codes, key)


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status=status)


def _page(title: str, body: str, status: int = 200) -> Response:
    text = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(text, status=status, content_type="text/html; charset=utf-8")


def _hidden(values: dict) -> str:
    return "".join(
        f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v or '')}'>"
        for k, v in values.items()
    )


def _with_query(uri: str, params: dict) -> str:
    joiner = "&" if "?" in uri else "?"
    return uri + joiner + urlencode({k: v for k, v in params.items() if v is not None})


def _login_page(params: dict, error: str = "") -> Response:
    message = f"<p class='error'>{html.escape(error)}</p>" if error else ""
    return _page(
        "Log in to the Salesforce simulator",
        f"{message}<form method='post' action='/services/oauth2/authorize'>"
        f"{_hidden(params)}"
        "<label>Username <input name='username' autocomplete='username'></label>"
        "<label>Password <input name='password' type='password' "
        "autocomplete='current-password'></label>"
        "<button type='submit'>Log In</button></form>",
        status=200 if not error else 401,
    )


def _consent_page(key: str, app_name: str, username: str) -> Response:
    return _page(
        "Allow Access?",
        f"<p><b>{html.escape(app_name)}</b> is asking to access your data as "
        f"{html.escape(username)}: full access, perform requests at any time.</p>"
        "<form method='post' action='/services/oauth2/authorize/consent'>"
        f"{_hidden({'consent': key})}"
        "<button name='decision' value='allow' type='submit'>Allow</button> "
        "<button name='decision' value='deny' type='submit'>Deny</button></form>",
    )


@routes.route("/services/oauth2/authorize", ["GET", "POST"])
@public
def authorize(ctx: Ctx) -> Response:
    source = ctx.request.args if ctx.request.method == "GET" else ctx.request.form
    params = {
        key: source.get(key, "")
        for key in ("response_type", "client_id", "redirect_uri", "state", "prompt", "scope")
    }
    found = ctx.sim.find_client(params["client_id"]) if params["client_id"] else None
    if found is None:
        return _page(
            "Error",
            "<p class='error'>error=invalid_client_id: client identifier invalid</p>",
            status=400,
        )
    _org, client = found
    if not client.accepts_redirect(params["redirect_uri"]):
        return _page(
            "Error",
            "<p class='error'>error=redirect_uri_mismatch: redirect_uri must match "
            "configuration</p>",
            status=400,
        )
    if params["response_type"] != "code":
        return redirect(
            _with_query(
                params["redirect_uri"],
                {
                    "error": "unsupported_response_type",
                    "error_description": "response type not supported",
                    "state": params["state"] or None,
                },
            )
        )
    if ctx.request.method == "GET":
        return _login_page(params)
    username = ctx.request.form.get("username", "").strip()
    password = ctx.request.form.get("password", "")
    user_found = ctx.sim.find_user(username)
    try:
        if user_found is None:
            raise SalesforceError("INVALID_LOGIN", "Invalid username or password.")
        org, user = user_found
        user = org.authenticate_password(username, password)
    except SalesforceError:
        return _login_page(
            params,
            "Please check your username and password. If you still can't log in, "
            "contact your Salesforce administrator.",
        )
    pending = Pending(
        org.org_id,
        user.id,
        client.client_id,
        params["redirect_uri"],
        params["state"],
        time.monotonic(),
    )
    return _consent_page(ctx.app.oauth.new_consent(pending), client.name, user.username)


@routes.route("/services/oauth2/authorize/consent", ["POST"])
@public
def consent(ctx: Ctx) -> Response:
    pending = ctx.app.oauth.take_consent(ctx.request.form.get("consent", ""))
    if pending is None:
        return _page(
            "Error",
            "<p class='error'>This login request expired. Start again from the application.</p>",
            status=400,
        )
    state = pending.state or None
    if ctx.request.form.get("decision") != "allow":
        return redirect(
            _with_query(
                pending.redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "end-user denied authorization",
                    "state": state,
                },
            )
        )
    pending.created = time.monotonic()
    code = ctx.app.oauth.new_code(pending)
    return redirect(_with_query(pending.redirect_uri, {"code": code, "state": state}))


def _finish_tokens(ctx: Ctx, tokens: dict, include_refresh: bool = True) -> Response:
    body = dict(tokens)
    body["instance_url"] = ctx.instance_url
    if str(body.get("id", "")).startswith("/"):
        body["id"] = ctx.instance_url + body["id"]
    if not include_refresh:
        body.pop("refresh_token", None)
    return json_response(body)


def _client(ctx: Ctx, form) -> tuple[object, object] | Response:
    client_id = form.get("client_id", "")
    found = ctx.sim.find_client(client_id) if client_id else None
    if found is None:
        return oauth_error("invalid_client_id", "client identifier invalid")
    secret = form.get("client_secret")
    if secret is not None and not secrets.compare_digest(secret, found[1].client_secret):
        return oauth_error("invalid_client", "invalid client credentials")
    return found


@routes.route("/services/oauth2/token", ["POST"])
@public
def token(ctx: Ctx) -> Response:
    form = ctx.request.form
    grant = form.get("grant_type", "")
    if grant == jwt_bearer.GRANT:
        return _jwt_bearer(ctx, form.get("assertion", ""))
    if grant not in ("authorization_code", "refresh_token", "password"):
        return oauth_error("unsupported_grant_type", "grant type not supported")
    found = _client(ctx, form)
    if isinstance(found, Response):
        return found
    _client_org, client = found
    if grant == "refresh_token":
        try:
            tokens = ctx.sim.refresh(
                form.get("refresh_token", ""), client.client_id, form.get("client_secret")
            )
        except SalesforceError as error:
            if error.error_code == "invalid_client":
                return oauth_error("invalid_client", "invalid client credentials")
            return oauth_error("invalid_grant", "expired access/refresh token")
        return _finish_tokens(ctx, tokens, include_refresh=False)
    if form.get("client_secret") is None:
        return oauth_error("invalid_client", "invalid client credentials")
    if grant == "password":
        found_user = ctx.sim.find_user(form.get("username", ""))
        if found_user is None:
            return oauth_error("invalid_grant", "authentication failure")
        org, _user = found_user
        try:
            user = org.authenticate_password(form.get("username", ""), form.get("password", ""))
        except SalesforceError:
            return oauth_error("invalid_grant", "authentication failure")
        return _finish_tokens(ctx, ctx.sim.issue_tokens(org, user, client.client_id))
    pending = ctx.app.oauth.take_code(form.get("code", ""))
    if pending is None or pending.client_id != client.client_id:
        return oauth_error("invalid_grant", "invalid authorization code")
    if form.get("redirect_uri", "") != pending.redirect_uri:
        return oauth_error("redirect_uri_mismatch", "redirect_uri must match configuration")
    org = ctx.sim.org(pending.org_id)
    user = org.user(pending.user_id)
    return _finish_tokens(ctx, ctx.sim.issue_tokens(org, user, client.client_id))


def _jwt_bearer(ctx: Ctx, assertion: str) -> Response:
    try:
        client_id, username = jwt_bearer.verify(assertion, ctx.app.data_dir, ctx.sim.find_client)
    except jwt_bearer.JwtError as error:
        return oauth_error(error.error, error.description)
    client_org, _client_app = ctx.sim.find_client(client_id)
    found_user = ctx.sim.find_user(username)
    if found_user is None or found_user[0].org_id != client_org.org_id:
        return oauth_error("invalid_grant", "user hasn't approved this consumer")
    org, user = found_user
    tokens = ctx.sim.issue_tokens(org, user, client_id, refresh=False)
    return _finish_tokens(ctx, tokens, include_refresh=False)


@routes.route("/services/oauth2/revoke", ["GET", "POST"])
@public
def revoke(ctx: Ctx) -> Response:
    source = ctx.request.form if ctx.request.method == "POST" else ctx.request.args
    value = source.get("token", "")
    if not value:
        return oauth_error("unsupported_token_type", "this token type is not supported")
    try:
        ctx.sim.revoke(value)
    except SalesforceError:
        return oauth_error("invalid_token", "invalid token")
    return Response(status=200)


def _caller(ctx: Ctx):
    value = bearer_token(ctx.request) or ctx.request.args.get("oauth_token")
    if not value:
        raise invalid_session()
    return ctx.sim.authenticate_token(value)


def _urls(ctx: Ctx, org, user) -> dict:
    base = ctx.instance_url
    return {
        "enterprise": f"{base}/services/Soap/c/{{version}}/{org.org_id[:15]}",
        "metadata": f"{base}/services/Soap/m/{{version}}/{org.org_id[:15]}",
        "partner": f"{base}/services/Soap/u/{{version}}/{org.org_id[:15]}",
        "rest": f"{base}/services/data/v{{version}}/",
        "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
        "search": f"{base}/services/data/v{{version}}/search/",
        "query": f"{base}/services/data/v{{version}}/query/",
        "recent": f"{base}/services/data/v{{version}}/recent/",
        "tooling_soap": f"{base}/services/Soap/T/{{version}}/{org.org_id[:15]}",
        "tooling_rest": f"{base}/services/data/v{{version}}/tooling/",
        "profile": f"{base}/{user.id}",
        "users": f"{base}/services/data/v{{version}}/chatter/users",
        "custom_domain": base,
    }


def _names(user) -> tuple[str, str]:
    first, _, last = (user.name or "").rpartition(" ")
    return first, last or user.name


@routes.route("/services/oauth2/userinfo", ["GET", "POST"])
@public
def userinfo(ctx: Ctx) -> Response:
    org, user = _caller(ctx)
    first, last = _names(user)
    return json_response(
        {
            "sub": f"{ctx.instance_url}/id/{org.org_id}/{user.id}",
            "user_id": user.id,
            "organization_id": org.org_id,
            "preferred_username": user.username,
            "nickname": user.username.split("@")[0],
            "name": user.name,
            "email": user.email,
            "email_verified": True,
            "given_name": first,
            "family_name": last,
            "zoneinfo": "America/Los_Angeles",
            "locale": "en_US",
            "user_type": "STANDARD",
            "active": True,
            "is_app_installed": True,
            "urls": _urls(ctx, org, user),
        }
    )


@routes.route("/id/<org_id>/<user_id>", ["GET", "POST"])
@public
def identity(ctx: Ctx, org_id: str, user_id: str) -> Response:
    org, user = _caller(ctx)
    if org_id[:15] != org.org_id[:15] or user_id[:15] != user.id[:15]:
        return json_response([{"errorCode": "FORBIDDEN", "message": "Bad_Id"}], status=403)
    first, last = _names(user)
    return json_response(
        {
            "id": f"{ctx.instance_url}/id/{org.org_id}/{user.id}",
            "asserted_user": True,
            "user_id": user.id,
            "organization_id": org.org_id,
            "username": user.username,
            "nick_name": user.username.split("@")[0],
            "display_name": user.name,
            "email": user.email,
            "email_verified": True,
            "first_name": first,
            "last_name": last,
            "timezone": "America/Los_Angeles",
            "active": True,
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": -28800000,
            "is_app_installed": True,
            "urls": _urls(ctx, org, user),
        }
    )
