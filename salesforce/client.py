"""The authenticated Salesforce client every part of OrgVault uses.

`connect()` wraps `simple_salesforce.Salesforce` around a `requests.Session` that

- trusts only `ca_bundle` (or the system CAs) and ignores proxy/CA environment
  variables (`trust_env = False`),
- on a 401 whose body says `INVALID_SESSION_ID`, asks `on_refresh()` for a new
  access token once and re-sends the request with it (this covers `client.sf` REST
  calls, `SFType` calls, `bulk2` and `client.request`; the SOAP Metadata API reports
  an expired session as a SOAP fault, so `client.sf.mdapi` is rebuilt with the new
  token after a refresh, but a call that already failed there is not retried),
- records the `Sforce-Limit-Info` header of every answer (`client.api_usage`).

Errors from `client.request` and the helper methods are `salesforce.errors` exceptions.
Code that calls `client.sf` directly can wrap the block in
`salesforce.errors.salesforce_errors()` to get the same.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlparse

import requests
from simple_salesforce import Salesforce

from salesforce.errors import SalesforceAuthError, from_response, salesforce_errors

DEFAULT_API_VERSION = "59.0"
DEFAULT_TIMEOUT = (10, 300)
_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")


class ApiUsage(NamedTuple):
    used: int
    total: int


@dataclass(frozen=True)
class OrgInfo:
    org_id: str
    name: str
    edition: str  # Organization.OrganizationType, e.g. "Enterprise Edition"
    is_sandbox: bool
    instance_name: str


def _is_invalid_session(response: requests.Response) -> bool:
    if response.status_code != 401:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, list)
        and bool(body)
        and isinstance(body[0], dict)
        and body[0].get("errorCode") == "INVALID_SESSION_ID"
    )


class RefreshingSession(requests.Session):
    """A session bound to one org's access token, renewed once on INVALID_SESSION_ID."""

    def __init__(
        self,
        access_token: str,
        ca_bundle: str | None,
        on_refresh: Callable[[], str] | None,
    ):
        super().__init__()
        self.trust_env = False
        self.verify = ca_bundle or True
        self.access_token = access_token
        self.api_usage: ApiUsage | None = None
        self._on_refresh = on_refresh
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []

    def add_refresh_listener(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        headers = kwargs.get("headers")
        used_token = self._apply_token(headers)
        response = super().request(method, url, *args, **kwargs)
        if self._on_refresh is not None and used_token and _is_invalid_session(response):
            self._refresh(stale=used_token)
            self._apply_token(headers)
            response = super().request(method, url, *args, **kwargs)
        self._record_usage(response)
        return response

    def _apply_token(self, headers) -> str:
        """Put the current token in a Bearer Authorization header; return the token used."""
        if not headers or not str(headers.get("Authorization", "")).startswith("Bearer "):
            return ""
        headers["Authorization"] = f"Bearer {self.access_token}"
        return self.access_token

    def _refresh(self, *, stale: str) -> None:
        on_refresh = self._on_refresh
        if on_refresh is None:  # callers check first
            raise SalesforceAuthError(
                "The Salesforce session expired and this connection cannot renew it; "
                "reconnect the org.",
                "INVALID_SESSION_ID",
            )
        with self._lock:
            if self.access_token != stale:
                return  # another thread already renewed it
            self.access_token = on_refresh()
            for listener in self._listeners:
                listener(self.access_token)

    def _record_usage(self, response: requests.Response) -> None:
        match = _LIMIT_INFO.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.api_usage = ApiUsage(int(match.group(1)), int(match.group(2)))


class SalesforceClient:
    """`sf` is the simple_salesforce object; `request` is for raw REST calls."""

    def __init__(self, sf: Salesforce, session: RefreshingSession, instance_url: str):
        self.sf = sf
        self.session = session
        self.instance_url = instance_url.rstrip("/")
        self.api_version = sf.sf_version
        session.add_refresh_listener(self._on_new_token)

    def _on_new_token(self, token: str) -> None:
        self.sf.session_id = token
        self.sf._generate_headers()
        self.sf._mdapi = None  # rebuilt with the new token on next use

    @property
    def access_token(self) -> str:
        return self.session.access_token

    @property
    def api_usage(self) -> ApiUsage | None:
        """The last `Sforce-Limit-Info: api-usage=N/M` seen, or None before any call."""
        return self.session.api_usage

    @property
    def data_url(self) -> str:
        return f"{self.instance_url}/services/data/v{self.api_version}/"

    def url(self, path: str) -> str:
        """Absolute URL for `path`: a full URL, `/services/...`, or relative to the data API."""
        if urlparse(path).scheme:
            return path
        if path.startswith("/"):
            return f"{self.instance_url}{path}"
        return f"{self.data_url}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A raw call with the token, refresh-and-retry, and readable errors (status >= 300;
        304 Not Modified is an answer, not an error, for a conditional request)."""
        headers = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"}
        headers.update(kwargs.pop("headers", None) or {})
        conditional = "If-Modified-Since" in headers
        with salesforce_errors():
            response = self.session.request(method, self.url(path), headers=headers, **kwargs)
        if response.status_code == 304 and conditional:
            return response
        if response.status_code >= 300:
            raise from_response(response)
        return response

    def get_json(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None).json()

    def query(self, soql: str) -> list[dict]:
        """All records of a small query (follows nextRecordsUrl). Not for big objects."""
        with salesforce_errors():
            return list(self.sf.query_all_iter(soql))

    def describe_global(self) -> dict:
        return self.get_json("sobjects/")

    def describe(self, object_name: str) -> dict:
        return self.get_json(f"sobjects/{object_name}/describe/")

    def userinfo(self) -> dict:
        return self.get_json("/services/oauth2/userinfo")

    def limits(self) -> dict:
        return self.get_json("limits/")

    def organization(self) -> OrgInfo:
        rows = self.query(
            "SELECT Id, Name, OrganizationType, IsSandbox, InstanceName FROM Organization"
        )
        if not rows:
            raise SalesforceAuthError("Salesforce returned no Organization record for this user.")
        row = rows[0]
        return OrgInfo(
            org_id=row["Id"],
            name=row.get("Name") or "",
            edition=row.get("OrganizationType") or "",
            is_sandbox=bool(row.get("IsSandbox")),
            instance_name=row.get("InstanceName") or "",
        )

    def close(self) -> None:
        self.session.close()


def connect(
    instance_url: str,
    access_token: str,
    ca_bundle: str | None,
    on_refresh: Callable[[], str] | None,
    *,
    api_version: str = DEFAULT_API_VERSION,
) -> SalesforceClient:
    """A client for `instance_url`. `on_refresh()` returns a new access token (or raises)."""
    session = RefreshingSession(access_token, ca_bundle, on_refresh)
    sf = Salesforce(
        instance_url=instance_url,
        session_id=access_token,
        session=session,
        version=api_version,
    )
    return SalesforceClient(sf, session, instance_url)
