"""Partner SOAP ``login`` at ``/services/Soap/u/{version}`` (simple-salesforce's SalesforceLogin)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from sfsim.errors import SalesforceError
from sfsim.server.app import public, routes
from sfsim.server.http import Ctx, check_version
from sfsim.server.soap import (
    SoapFault,
    child_text,
    fault_response,
    local,
    parse_envelope,
    soap_response,
    value_xml,
)

FAULT_NS = "urn:fault.partner.soap.sforce.com"
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def _login_fault(code: str, message: str) -> SoapFault:
    detail = (
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{escape(code)}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail>"
    )
    return SoapFault(code, message, FAULT_NS, detail)


@routes.route("/services/Soap/u/<version>", ["POST"])
@routes.route("/services/Soap/u/<version>/<path:rest>", ["POST"], endpoint="soap_login_rest")
@public
def soap_login(ctx: Ctx, rest: str = "") -> Response:
    try:
        return _login(ctx)
    except SoapFault as fault:
        return fault_response(fault)


def _login(ctx: Ctx) -> Response:
    try:
        check_version(ctx.version or "")
    except SalesforceError as error:
        raise _login_fault(
            "UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL"
        ) from error
    _header, operation = parse_envelope(ctx.request.get_data())
    if local(operation.tag) != "login":
        raise _login_fault(
            "INVALID_OPERATION",
            f"The simulator's partner API only supports login, not {local(operation.tag)}.",
        )
    username = child_text(operation, "username")
    password = child_text(operation, "password")
    found = ctx.sim.find_user(username)
    if found is None:
        raise _login_fault("INVALID_LOGIN", INVALID_LOGIN)
    org, _user = found
    try:
        user = org.authenticate_password(username, password)
    except SalesforceError as error:
        raise _login_fault("INVALID_LOGIN", INVALID_LOGIN) from error
    tokens = ctx.sim.issue_tokens(org, user, "", refresh=False)
    base = ctx.instance_url
    version = ctx.version
    result = {
        "metadataServerUrl": f"{base}/services/Soap/m/{version}/{org.org_id[:15]}",
        "passwordExpired": False,
        "sandbox": bool(org.is_sandbox),
        "serverUrl": f"{base}/services/Soap/u/{version}/{org.org_id[:15]}",
        "sessionId": tokens["access_token"],
        "userId": user.id,
        "userInfo": {
            "accessibilityMode": False,
            "currencySymbol": "$",
            "orgAttachmentFileSizeLimit": 5242880,
            "orgDefaultCurrencyIsoCode": "USD",
            "orgDisallowHtmlAttachments": False,
            "orgHasPersonAccounts": False,
            "organizationId": org.org_id,
            "organizationMultiCurrency": False,
            "organizationName": org.name,
            "profileId": getattr(user, "profile_id", None),
            "roleId": None,
            "sessionSecondsValid": ctx.sim.token_lifetime_seconds,
            "userDefaultCurrencyIsoCode": None,
            "userEmail": user.email,
            "userFullName": user.name,
            "userId": user.id,
            "userLanguage": "en_US",
            "userLocale": "en_US",
            "userName": user.username,
            "userTimeZone": "America/Los_Angeles",
            "userType": "Standard",
            "userUiSkin": "Theme3",
        },
    }
    body = f"<loginResponse>{value_xml('result', result)}</loginResponse>"
    return soap_response(body, 'xmlns="urn:partner.soap.sforce.com"')
