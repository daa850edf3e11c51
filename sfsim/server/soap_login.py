"""Partner SOAP API at ``/services/Soap/u/{version}``: ``login`` (simple-salesforce's
SalesforceLogin) and ``undelete`` (the only way Salesforce's APIs bring a record back from
the Recycle Bin with its Id: there is no REST undelete)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from sfsim import ids as sim_ids
from sfsim.errors import SalesforceError
from sfsim.server.app import public, routes
from sfsim.server.http import Ctx, check_version
from sfsim.server.soap import (
    SoapFault,
    child_text,
    children,
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
    header, operation = parse_envelope(ctx.request.get_data())
    if local(operation.tag) not in ("login", "undelete", "emptyRecycleBin"):
        raise _login_fault(
            "INVALID_OPERATION",
            "The simulator's partner API supports login, undelete and emptyRecycleBin, "
            f"not {local(operation.tag)}.",
        )
    if local(operation.tag) == "undelete":
        return _undelete(ctx, header, operation)
    if local(operation.tag) == "emptyRecycleBin":
        from sfsim.server.soap_recycle import empty_recycle_bin

        return empty_recycle_bin(ctx, header, operation, _api_fault, _undelete_result)
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


MAX_UNDELETE = 200


def _api_fault(code: str, message: str) -> SoapFault:
    detail = (
        '<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault">'
        f"<sf:exceptionCode>{escape(code)}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:UnexpectedErrorFault></detail>"
    )
    return SoapFault(code, message, FAULT_NS, detail)


def _undelete(ctx: Ctx, header, operation) -> Response:
    """``UndeleteResult[] undelete(ID[] ids)``: up to 200 Ids, each brought back with the
    children its delete took along; one result per Id (partial success, as by default)."""
    session = child_text(header, "sessionId") if header is not None else ""
    try:
        org, user = ctx.sim.authenticate_token(session)
        org.check_api_access(user)
    except SalesforceError as error:
        raise _api_fault(error.error_code, error.message) from error
    org.consume_api_request()
    ids = [(element.text or "").strip() for element in children(operation, "ids")]
    if len(ids) > MAX_UNDELETE:
        raise _api_fault(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    results: list[dict[str, Any]] = []
    for record_id in ids:
        try:
            od = org.object_for_id(record_id) if len(record_id) in (15, 18) else None
            if od is None:
                raise SalesforceError("MALFORMED_ID", f"bad id {record_id}", [])
            if not od.describe.get("undeletable"):
                raise SalesforceError(
                    "INVALID_TYPE_FOR_OPERATION",
                    f"entity type cannot be undeleted: {od.describe.get('label', od.name)}",
                    [],
                )
            org.undelete(record_id, user)
            results.append({"errors": None, "id": sim_ids.to18(record_id), "success": True})
        except SalesforceError as error:
            results.append(
                {
                    "errors": {
                        "fields": list(error.fields or []),
                        "message": error.message,
                        "statusCode": error.error_code,
                    },
                    "id": None,
                    "success": False,
                }
            )
    body = (
        "<undeleteResponse>"
        + "".join(_undelete_result(result) for result in results)
        + "</undeleteResponse>"
    )
    return soap_response(body, 'xmlns="urn:partner.soap.sforce.com"')


def _undelete_result(result: dict) -> str:
    errors = result["errors"]
    inner = ""
    if errors is not None:
        inner += (
            "<errors>"
            + "".join(f"<fields>{escape(f)}</fields>" for f in errors["fields"])
            + f"<message>{escape(errors['message'])}</message>"
            + f"<statusCode>{escape(errors['statusCode'])}</statusCode></errors>"
        )
    inner += value_xml("id", result["id"]) + value_xml("success", result["success"])
    return f"<result>{inner}</result>"
