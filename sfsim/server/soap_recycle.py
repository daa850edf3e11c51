"""Partner SOAP ``EmptyRecycleBinResult[] emptyRecycleBin(ID[] ids)``: up to 200 Ids of
records in the Recycle Bin, purged for good with the children their delete took along;
one result per Id (a record not in the bin answers INVALID_ID_FIELD, as Salesforce does).
Dispatched from soap_login.py (the partner endpoint)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from sfsim import ids as sim_ids
from sfsim.errors import SalesforceError
from sfsim.server.http import Ctx
from sfsim.server.soap import child_text, children, soap_response

MAX_IDS = 200


def empty_recycle_bin(ctx: Ctx, header, operation, api_fault, result_xml) -> Response:
    session = child_text(header, "sessionId") if header is not None else ""
    try:
        org, user = ctx.sim.authenticate_token(session)
        org.check_api_access(user)
    except SalesforceError as error:
        raise api_fault(error.error_code, error.message) from error
    org.consume_api_request()
    record_ids = [(element.text or "").strip() for element in children(operation, "ids")]
    if len(record_ids) > MAX_IDS:
        raise api_fault(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    parts = []
    for record_id in record_ids:
        try:
            if len(record_id) not in (15, 18) or org.object_for_id(record_id) is None:
                raise SalesforceError("MALFORMED_ID", f"bad id {record_id}", [])
            org.empty_recycle_bin([record_id], user)
            parts.append(
                result_xml({"errors": None, "id": sim_ids.to18(record_id), "success": True})
            )
        except SalesforceError as error:
            parts.append(
                result_xml(
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
            )
    body = "<emptyRecycleBinResponse>" + "".join(parts) + "</emptyRecycleBinResponse>"
    return soap_response(body, 'xmlns="urn:partner.soap.sforce.com"')
