"""Metadata API (SOAP) at ``/services/Soap/m/{version}``: describeMetadata, listMetadata,
retrieve + checkRetrieveStatus, deploy + checkDeployStatus.

The session comes from the SOAP ``SessionHeader``; each call counts one API request.
retrieve and deploy run at once; their results wait under an async process Id until
checked (zeep and simple-salesforce's hand-written envelopes both work).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from sfsim.clock import sf_datetime
from sfsim.deploy import DeployOptions
from sfsim.errors import SalesforceError
from sfsim.ids import BASE62, checksum
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

MD_NS = "http://soap.sforce.com/2006/04/metadata"
ET.register_namespace("", MD_NS)  # components' elements serialise in the default namespace
_lock = threading.Lock()


def _fault(code: str, message: str) -> SoapFault:
    return SoapFault(code, message, MD_NS)


def _async_id(prefix: str) -> str:
    id15 = prefix + "".join(secrets.choice(BASE62) for _ in range(12))
    return id15 + checksum(id15)


def _respond(operation: str, result_xml: str) -> Response:
    return soap_response(f'<{operation}Response xmlns="{MD_NS}">{result_xml}</{operation}Response>')


@routes.route("/services/Soap/m/<version>", ["POST"])
@routes.route("/services/Soap/m/<version>/<path:rest>", ["POST"], endpoint="metadata_api_rest")
@public
def metadata_api(ctx: Ctx, rest: str = "") -> Response:
    try:
        return _call(ctx)
    except SoapFault as fault:
        return fault_response(fault)


def _call(ctx: Ctx) -> Response:
    try:
        check_version(ctx.version or "")
    except SalesforceError as error:
        raise _fault("UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL") from error
    header, operation = parse_envelope(ctx.request.get_data())
    session_id = child_text(header, "sessionId") if header is not None else ""
    if not session_id:
        raise _fault(
            "INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session"
        )
    try:
        org, user = ctx.sim.authenticate_token(session_id)
        org.check_api_access(user)
        used, maximum = org.consume_api_request()
    except SalesforceError as error:
        message = (
            "Invalid Session ID found in SessionHeader: Illegal Session"
            if error.error_code == "INVALID_SESSION_ID"
            else error.message
        )
        raise _fault(error.error_code, message) from error
    ctx.org, ctx.user = org, user
    name = local(operation.tag)
    handler = OPERATIONS.get(name)
    if handler is None:
        raise _fault("INVALID_OPERATION", f"The simulator does not implement {name}.")
    try:
        response = handler(ctx, operation)
    except SalesforceError as error:
        raise _fault(error.error_code, error.message) from error
    response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{maximum}"
    return response


def describe_metadata(ctx: Ctx, operation) -> Response:
    return _respond("describeMetadata", value_xml("result", ctx.org.metadata.describe_metadata()))


def list_metadata(ctx: Ctx, operation) -> Response:
    results: list[dict] = []
    for query in children(operation, "queries"):
        folder = child_text(query, "folder") or None
        results.extend(ctx.org.metadata.list_metadata(child_text(query, "type"), folder))
    return _respond("listMetadata", "".join(value_xml("result", item) for item in results))


def _unpackaged(request) -> dict[str, list[str]]:
    unpackaged: dict[str, list[str]] = {}
    for container in request.iter():
        if local(container.tag) != "unpackaged":
            continue
        for types in children(container, "types"):
            name = child_text(types, "name")
            members = [(m.text or "").strip() for m in children(types, "members")]
            unpackaged.setdefault(name, []).extend(members)
    return unpackaged


def _store(ctx: Ctx, async_id: str, payload: dict) -> None:
    with _lock:
        ctx.app.metadata_results[async_id] = {"org_id": ctx.org.org_id, **payload}


def _load(ctx: Ctx, async_id: str, kind: str) -> dict:
    with _lock:
        payload = ctx.app.metadata_results.get(async_id)
    if payload is None or payload["org_id"] != ctx.org.org_id or payload["kind"] != kind:
        raise _fault("INVALID_ID_FIELD", f"Invalid id: {async_id}")
    return payload


def retrieve(ctx: Ctx, operation) -> Response:
    request = next((c for c in operation if local(c.tag) == "retrieveRequest"), operation)
    api_version = child_text(request, "apiVersion") or ctx.version
    unpackaged = _unpackaged(request)
    if not unpackaged:
        raise _fault(
            "INVALID_CROSS_REFERENCE_KEY",
            "Specify either packageNames or unpackaged in the retrieve request.",
        )
    zip_bytes, file_properties = ctx.org.metadata.retrieve(unpackaged, api_version)
    async_id = _async_id("09S")
    _store(ctx, async_id, {"kind": "retrieve", "zip": zip_bytes, "files": file_properties})
    result = {"done": False, "id": async_id, "state": "Queued"}
    return _respond("retrieve", value_xml("result", result))


def check_retrieve_status(ctx: Ctx, operation) -> Response:
    async_id = child_text(operation, "asyncProcessId")
    payload = _load(ctx, async_id, "retrieve")
    include_zip = child_text(operation, "includeZip", "true").lower() != "false"
    result: dict = {
        "done": True,
        "fileProperties": payload["files"],
        "id": async_id,
        "status": "Succeeded",
        "success": True,
    }
    if include_zip:
        result["zipFile"] = base64.b64encode(payload["zip"]).decode()
    return _respond("checkRetrieveStatus", value_xml("result", result))


def deploy(ctx: Ctx, operation) -> Response:
    encoded = child_text(operation, "ZipFile")
    try:
        zip_bytes = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise _fault("INVALID_ZIP", "ZipFile is not valid base64.") from exc
    options_el = next((c for c in operation if local(c.tag) == "DeployOptions"), None)

    def flag(name: str) -> bool:
        if options_el is None:
            return False
        return child_text(options_el, name).strip().lower() == "true"

    options = DeployOptions(
        check_only=flag("checkOnly"),
        rollback_on_error=flag("rollbackOnError"),
        ignore_warnings=flag("ignoreWarnings"),
    )
    started = sf_datetime(ctx.sim.clock.now())
    outcome = ctx.org.metadata.deploy(zip_bytes, ctx.user, options)
    async_id = _async_id("0Af")
    _store(
        ctx,
        async_id,
        {"kind": "deploy", "outcome": outcome, "started": started},
    )
    return _respond(
        "deploy", value_xml("result", {"done": False, "id": async_id, "state": "Queued"})
    )


def check_deploy_status(ctx: Ctx, operation) -> Response:
    async_id = child_text(operation, "asyncProcessId")
    payload = _load(ctx, async_id, "deploy")
    outcome = payload["outcome"]
    include_details = child_text(operation, "includeDetails", "false").lower() == "true"
    success = bool(outcome.get("success"))
    failures = outcome.get("componentFailures") or []
    deployed = int(outcome.get("numberComponentsDeployed", 0))
    errors = int(outcome.get("numberComponentErrors", len(failures)))
    result: dict = {
        "checkOnly": bool(outcome.get("checkOnly")),
        "completedDate": sf_datetime(ctx.sim.clock.now()),
        "createdDate": payload["started"],
        "done": True,
        "id": async_id,
        "ignoreWarnings": bool(outcome.get("ignoreWarnings")),
        "lastModifiedDate": sf_datetime(ctx.sim.clock.now()),
        "numberComponentErrors": errors,
        "numberComponentsDeployed": deployed,
        "numberComponentsTotal": int(outcome.get("numberComponentsTotal", deployed + errors)),
        "numberTestErrors": 0,
        "numberTestsCompleted": 0,
        "numberTestsTotal": 0,
        "rollbackOnError": bool(outcome.get("rollbackOnError")),
        "runTestsEnabled": False,
        "startDate": payload["started"],
        "status": outcome.get("status") or ("Succeeded" if success else "Failed"),
        "success": success,
    }
    if include_details:
        details = outcome.get("details")
        if not isinstance(details, dict):
            details = {"componentFailures": failures, "componentSuccesses": []}
        result["details"] = details
    return _respond("checkDeployStatus", value_xml("result", result))


def read_metadata(ctx: Ctx, operation) -> Response:
    """readMetadata(type, fullNames): the components' fields as typed records."""
    mtype = child_text(operation, "type")
    names = [(el.text or "").strip() for el in children(operation, "fullNames")]
    records = []
    for full_name, elements in ctx.org.metadata.read_metadata(mtype, names):
        if not elements and full_name not in _known(ctx, mtype, full_name):
            records.append(f'<records xsi:type="{escape(mtype)}"/>')
            continue
        body = "".join(ET.tostring(el, encoding="unicode") for el in elements)
        records.append(
            f'<records xsi:type="{escape(mtype)}"><fullName>{escape(full_name)}</fullName>'
            f"{body}</records>"
        )
    return _respond("readMetadata", "<result>" + "".join(records) + "</result>")


def _known(ctx: Ctx, mtype: str, full_name: str) -> set[str]:
    return {full_name} if ctx.org.metadata.exists(mtype, full_name) else set()


OPERATIONS = {
    "readMetadata": read_metadata,
    "describeMetadata": describe_metadata,
    "listMetadata": list_metadata,
    "retrieve": retrieve,
    "checkRetrieveStatus": check_retrieve_status,
    "deploy": deploy,
    "checkDeployStatus": check_deploy_status,
}
