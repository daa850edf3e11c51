import requests
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceMalformedRequest

from salesforce.auth import check_reachable
from salesforce.errors import (
    SalesforceApiError,
    SalesforceAuthError,
    SalesforceUnreachable,
    parse_error_body,
    translate,
)


def test_rest_and_oauth_error_bodies_are_parsed():
    rest = b'[{"message": "unexpected token: FROM", "errorCode": "MALFORMED_QUERY"}]'
    assert parse_error_body(rest) == ("MALFORMED_QUERY", "unexpected token: FROM")
    oauth = {"error": "invalid_grant", "error_description": "authentication failure"}
    assert parse_error_body(oauth) == ("invalid_grant", "authentication failure")
    assert parse_error_body(b"<html>oops</html>") == ("", "<html>oops</html>")


def test_simple_salesforce_exceptions_become_ours():
    expired = SalesforceExpiredSession(
        "https://x/services/data",
        401,
        "query",
        [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}],
    )
    auth_error = translate(expired)
    assert isinstance(auth_error, SalesforceAuthError)
    assert auth_error.error_code == "INVALID_SESSION_ID"
    bad = SalesforceMalformedRequest(
        "https://x", 400, "query", [{"errorCode": "INVALID_FIELD", "message": "No such column"}]
    )
    api_error = translate(bad)
    assert isinstance(api_error, SalesforceApiError)
    assert (api_error.error_code, api_error.message) == ("INVALID_FIELD", "No such column")


def test_unreachable_login_url_says_why():
    try:
        check_reachable("https://127.0.0.1:9", None)
    except SalesforceUnreachable as exc:
        assert exc.url == "https://127.0.0.1:9"
        assert exc.reason == "the connection was refused"
        assert str(exc) == "Could not reach https://127.0.0.1:9: the connection was refused."
    else:
        raise AssertionError("port 9 answered")


def test_requests_errors_become_unreachable():
    request = requests.Request("GET", "https://nowhere.invalid/").prepare()
    exc = requests.exceptions.ConnectTimeout("timed out", request=request)
    translated = translate(exc)
    assert isinstance(translated, SalesforceUnreachable)
    assert translated.reason == "the server did not answer in time"
