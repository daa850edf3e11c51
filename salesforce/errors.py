"""Readable exceptions for everything that can go wrong talking to Salesforce.

Callers catch these three, never `requests` or `simple_salesforce` exceptions:

- `SalesforceUnreachable` — no HTTP answer at all (DNS, refused connection, TLS, timeout).
- `SalesforceAuthError` — Salesforce answered but refused the credentials or token
  (OAuth `invalid_grant`, `invalid_client_id`, an expired session that refresh
  could not renew).
- `SalesforceApiError(error_code, message)` — any other error answer, with
  Salesforce's own `errorCode` (`MALFORMED_QUERY`, `API_CURRENTLY_DISABLED`, ...).

`translate(exc)` turns a `requests` / `simple_salesforce` exception into one of these;
`salesforce_errors()` is a context manager that does it for a block of calls on
`client.sf`.
"""

import contextlib
import json
from collections.abc import Iterator

import requests
from simple_salesforce.exceptions import SalesforceError as _SimpleSalesforceError


class SalesforceConnectorError(Exception):
    """Base class: `str(exc)` is a sentence a person can act on."""


class SalesforceUnreachable(SalesforceConnectorError):
    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"Could not reach {url}: {reason}.")


class SalesforceAuthError(SalesforceConnectorError):
    def __init__(self, message: str, error_code: str = ""):
        self.error_code = error_code
        self.message = message
        super().__init__(message)


class SalesforceApiError(SalesforceConnectorError):
    def __init__(self, error_code: str, message: str, status: int = 0):
        self.error_code = error_code
        self.message = message
        self.status = status
        super().__init__(f"{error_code}: {message}" if error_code else message)


def connection_reason(exc: requests.RequestException) -> str:
    """A short reason for a failed connection, without the noise of urllib3 reprs."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS certificate is not trusted (check the CA bundle)"
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.ReadTimeout):
        return "the server did not answer in time"
    text = str(exc)
    for marker, reason in (
        ("Name or service not known", "the host name does not resolve"),
        ("nodename nor servname", "the host name does not resolve"),
        ("Temporary failure in name resolution", "the host name does not resolve"),
        ("Connection refused", "the connection was refused"),
        ("No route to host", "there is no route to the host"),
        ("Network is unreachable", "the network is unreachable"),
        ("Connection aborted", "the connection was cut"),
        ("RemoteDisconnected", "the connection was cut"),
    ):
        if marker in text:
            return reason
    return type(exc).__name__


def parse_error_body(body: object) -> tuple[str, str]:
    """(errorCode, message) from a REST error body or an OAuth error body."""
    if isinstance(body, bytes | str):
        raw = body
        try:
            body = json.loads(raw)
        except ValueError:
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
            return "", text.strip()[:300]
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode", "")), str(body[0].get("message", ""))
    if isinstance(body, dict):
        if "error" in body:
            return str(body["error"]), str(body.get("error_description", body["error"]))
        if "errorCode" in body:
            return str(body["errorCode"]), str(body.get("message", ""))
    return "", str(body)[:300]


def from_response(response: requests.Response) -> SalesforceConnectorError:
    """The exception for an error answer (status >= 300)."""
    code, message = parse_error_body(response.content)
    if response.status_code == 401:
        return SalesforceAuthError(
            message or "Salesforce refused the session.", code or "INVALID_SESSION_ID"
        )
    return SalesforceApiError(code or f"HTTP_{response.status_code}", message, response.status_code)


def translate(exc: Exception) -> Exception:
    """Our exception for a `requests` or `simple_salesforce` one; others unchanged."""
    if isinstance(exc, SalesforceConnectorError):
        return exc
    if isinstance(exc, requests.RequestException):
        url = exc.request.url if exc.request is not None else "Salesforce"
        return SalesforceUnreachable(str(url), connection_reason(exc))
    if isinstance(exc, _SimpleSalesforceError):
        code, message = parse_error_body(exc.content)
        if exc.status == 401:
            return SalesforceAuthError(message or "Salesforce refused the session.", code)
        return SalesforceApiError(code or f"HTTP_{exc.status}", message, exc.status)
    return exc


@contextlib.contextmanager
def salesforce_errors() -> Iterator[None]:
    """Re-raise `requests` / `simple_salesforce` exceptions as ours."""
    try:
        yield
    except (requests.RequestException, _SimpleSalesforceError) as exc:
        raise translate(exc) from exc
