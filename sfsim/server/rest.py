"""REST API: versions, resources, sobjects, records, query/queryAll, limits, tooling."""

from __future__ import annotations

import base64
import json
from email.utils import format_datetime, parsedate_to_datetime

from werkzeug.wrappers import Response

from sfsim import sosl, tooling
from sfsim.clock import parse_datetime
from sfsim.errors import SalesforceError
from sfsim.ids import is_valid, to18
from sfsim.server.app import api, public, routes
from sfsim.server.cursors import split_locator
from sfsim.server.http import (
    VERSIONS,
    Ctx,
    json_response,
    parse_json_body,
    version_label,
)
from sfsim.versions import versioned

DATA = "/services/data/v<version>"
BINARY_FIELDS = {"Attachment": "Body", "Document": "Body", "ContentVersion": "VersionData"}
MIN_BATCH, MAX_BATCH = 200, 2000


@routes.route("/services/data", ["GET"])
@public
def versions(ctx: Ctx) -> Response:
    return json_response(
        [{"label": version_label(v), "url": f"/services/data/v{v}", "version": v} for v in VERSIONS]
    )


@routes.route(DATA, ["GET"])
@api
def resources(ctx: Ctx) -> Response:
    base = ctx.data_url().rstrip("/")
    names = ["sobjects", "query", "queryAll", "limits", "composite", "tooling", "jobs"]
    return json_response({name: f"{base}/{name}" for name in names})


@routes.route(DATA + "/limits", ["GET"])
@api
def limits(ctx: Ctx) -> Response:
    return json_response(ctx.org.limits())


@routes.route(DATA + "/limits/recordCount", ["GET"])
@api
def record_count(ctx: Ctx) -> Response:
    """``{"sObjects": [{"count": n, "name": "Account"}, ...]}``: records per object (not in
    the Recycle Bin), for ``?sObjects=A,B`` or every object; unknown names are left out."""
    wanted = [n.strip() for n in ctx.request.args.get("sObjects", "").split(",") if n.strip()]
    return json_response({"sObjects": ctx.org.record_counts(wanted or None)})


@routes.route(DATA + "/search", ["GET"])
@api
def search(ctx: Ctx) -> Response:
    text = ctx.request.args.get("q")
    if not text or not text.strip():
        raise SalesforceError("MALFORMED_SEARCH", "A search string has to be specified")
    return json_response(sosl.search(ctx.org, text, ctx.user))


# -- describe -----------------------------------------------------------------------------
@routes.route(DATA + "/sobjects", ["GET"])
@api
def describe_global(ctx: Ctx) -> Response:
    return json_response(versioned(ctx.org.describe_global()))


@routes.route(DATA + "/sobjects/<name>/describe", ["GET"])
@api
def describe(ctx: Ctx, name: str) -> Response:
    """Salesforce answers 304 Not Modified (an empty body, still one API call) when the
    describe has not changed since the request's If-Modified-Since."""
    body = ctx.org.describe(name)
    headers = {}
    modified = ctx.org.describe_modified(name)
    if modified:
        changed_at = parse_datetime(modified).replace(microsecond=0)
        headers["Last-Modified"] = format_datetime(changed_at, usegmt=True)
        since = ctx.request.headers.get("If-Modified-Since", "")
        try:
            since_at = parsedate_to_datetime(since) if since else None
        except (TypeError, ValueError):
            since_at = None
        if since_at is not None and since_at.tzinfo is not None and changed_at <= since_at:
            return Response(status=304, headers=headers)
    return json_response(versioned(body), headers=headers)


def _global_entry(ctx: Ctx, name: str) -> dict:
    for entry in ctx.org.describe_global()["sobjects"]:
        if entry["name"].lower() == name.lower():
            return entry
    raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)


@routes.route(DATA + "/sobjects/<name>", ["GET", "POST"])
@api
def sobject(ctx: Ctx, name: str) -> Response:
    if ctx.request.method == "GET":
        entry = versioned(_global_entry(ctx, name))
        return json_response({"objectDescribe": entry, "recentItems": []})
    object_name = _global_entry(ctx, name)["name"]
    if ctx.request.mimetype == "multipart/form-data":
        values = _multipart_body(ctx, object_name)
    else:
        values = _record_body(ctx)
    new_id = ctx.org.create(object_name, values, ctx.user)
    return json_response({"id": new_id, "success": True, "errors": []}, status=201)


def _multipart_body(ctx: Ctx, object_name: str) -> dict:
    """A record sent as ``multipart/form-data``, how files are uploaded: a JSON part named
    ``entity_content`` (ContentVersion), ``entity_document`` or ``entity_attachment`` with
    the fields, and a binary part named after the object's body field (``VersionData``,
    ``Body``) holding the file's bytes."""
    binary_field = BINARY_FIELDS.get(object_name)
    if binary_field is None:
        raise SalesforceError(
            "INVALID_MULTIPART_REQUEST",
            f"Multipart requests are only accepted for objects with a file body, not {object_name}.",
        )
    request = ctx.request
    entity = None
    for key in request.form:
        if key.startswith("entity_"):
            entity = request.form[key]
    for key, upload in request.files.items():
        if key.startswith("entity_"):
            entity = upload.read().decode("utf-8")
    if entity is None:
        raise SalesforceError(
            "INVALID_MULTIPART_REQUEST",
            "The multipart request needs a JSON part named entity_content with the record's fields.",
        )
    try:
        values = json.loads(entity)
    except ValueError as exc:
        raise SalesforceError("JSON_PARSER_ERROR", f"The entity part is not JSON: {exc}") from exc
    if not isinstance(values, dict):
        raise SalesforceError("JSON_PARSER_ERROR", "The entity part must be a JSON object.")
    values.pop("attributes", None)
    upload = next((f for k, f in request.files.items() if k.lower() == binary_field.lower()), None)
    if upload is None:
        raise SalesforceError(
            "INVALID_MULTIPART_REQUEST",
            f"The multipart request needs a binary part named {binary_field}.",
        )
    values[binary_field] = base64.b64encode(upload.read()).decode("ascii")
    if object_name == "ContentVersion" and not values.get("PathOnClient") and upload.filename:
        values["PathOnClient"] = upload.filename
    return values


def _record_body(ctx: Ctx) -> dict:
    body = parse_json_body(ctx.request)
    if not isinstance(body, dict):
        raise SalesforceError(
            "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from a non-object body"
        )
    body.pop("attributes", None)
    return body


def _datetime_arg(ctx: Ctx, name: str):
    text = ctx.request.args.get(name)
    if not text:
        raise SalesforceError("MISSING_ARGUMENT", f"{name} not specified")
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise SalesforceError(
            "INVALID_DATE_FORMAT", f"{name}: invalid date format: {text}"
        ) from exc


@routes.route(DATA + "/sobjects/<name>/deleted", ["GET"])
@api
def deleted(ctx: Ctx, name: str) -> Response:
    start, end = _datetime_arg(ctx, "start"), _datetime_arg(ctx, "end")
    return json_response(ctx.org.deleted(_global_entry(ctx, name)["name"], start, end))


@routes.route(DATA + "/sobjects/<name>/updated", ["GET"])
@api
def updated(ctx: Ctx, name: str) -> Response:
    start, end = _datetime_arg(ctx, "start"), _datetime_arg(ctx, "end")
    return json_response(ctx.org.updated(_global_entry(ctx, name)["name"], start, end))


# -- records -----------------------------------------------------------------------------
def _fields_arg(ctx: Ctx) -> list[str] | None:
    text = ctx.request.args.get("fields")
    if not text:
        return None
    return [f.strip() for f in text.split(",") if f.strip()]


def _get(ctx: Ctx, object_name: str, record_id: str) -> dict:
    """A record; with ``?fields=`` Salesforce still appends the Id."""
    record = ctx.org.get(object_name, record_id, _fields_arg(ctx), ctx.user)
    if "Id" not in record:
        record["Id"] = record_id if len(record_id) == 18 else to18(record_id)
    return record


@routes.route(DATA + "/sobjects/<name>/<record_id>", ["GET", "PATCH", "DELETE"])
@api
def record(ctx: Ctx, name: str, record_id: str) -> Response:
    object_name = _global_entry(ctx, name)["name"]
    method = ctx.request.method
    if method == "GET":
        return json_response(_get(ctx, object_name, record_id))
    if method == "PATCH":
        ctx.org.update(object_name, record_id, _record_body(ctx), ctx.user)
        return Response(status=204)
    _check_record_object(ctx, object_name, record_id)
    ctx.org.delete(record_id, ctx.user)
    return Response(status=204)


def _check_record_object(ctx: Ctx, object_name: str, record_id: str) -> None:
    """DELETE sobjects/X/{id} answers NOT_FOUND when the Id is not an X."""
    prefix = ctx.org.describe(object_name).get("keyPrefix")
    if not is_valid(record_id):
        raise SalesforceError("MALFORMED_ID", f"Id in URL is invalid: {record_id}")
    if prefix and not record_id.startswith(prefix):
        raise SalesforceError(
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {record_id}",
            status=404,
        )


def _find_by_external_id(ctx: Ctx, object_name: str, field: str, value: str) -> str:
    known = {f["name"].lower(): f for f in ctx.org.describe(object_name)["fields"]}
    described = known.get(field.lower())
    if described is None or not described.get("idLookup"):
        raise SalesforceError(
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {field}",
            status=404,
        )
    soql_value = value.replace("\\", "\\\\").replace("'", "\\'")
    cursor = ctx.org.query(
        # the field is a described field name and the value is SOQL-escaped
        f"SELECT Id FROM {object_name} WHERE {described['name']} = '{soql_value}'",  # noqa: S608
        include_deleted=False,
        user=ctx.user,
        batch_size=MIN_BATCH,
    )
    records, _done = cursor.next_page()
    if not records:
        raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
    if len(records) > 1:
        raise SalesforceError(
            "MULTIPLE_CHOICES",
            f"More than one record found for external id field {field} with value {value}.",
            status=300,
        )
    return records[0]["Id"]


@routes.route(DATA + "/sobjects/<name>/<first>/<second>", ["GET", "PATCH", "POST", "DELETE"])
@api
def record_sub(ctx: Ctx, name: str, first: str, second: str) -> Response:
    """``{id}/{binaryField}`` (GET a body) or ``{externalIdField}/{value}`` (upsert etc.)."""
    object_name = _global_entry(ctx, name)["name"]
    method = ctx.request.method
    if method == "GET" and is_valid(first) and BINARY_FIELDS.get(object_name) == second:
        body = ctx.org.get_body(object_name, first, second, ctx.user)
        return Response(body, content_type="application/octetstream")
    if method == "GET":
        record_id = _find_by_external_id(ctx, object_name, first, second)
        return json_response(_get(ctx, object_name, record_id))
    if method == "DELETE":
        ctx.org.delete(_find_by_external_id(ctx, object_name, first, second), ctx.user)
        return Response(status=204)
    values = _record_body(ctx)
    if ctx.request.args.get("updateOnly", "").lower() == "true":
        record_id = _find_by_external_id(ctx, object_name, first, second)
        ctx.org.update(object_name, record_id, values, ctx.user)
        return json_response({"id": record_id, "success": True, "errors": [], "created": False})
    record_id, created = ctx.org.upsert(object_name, first, second, values, ctx.user)
    if float(ctx.version) < 46.0 and not created:
        return Response(status=204)
    body = {"id": record_id, "success": True, "errors": [], "created": created}
    return json_response(body, status=201 if created else 200)


# -- query -------------------------------------------------------------------------------
def batch_size(ctx: Ctx) -> int:
    """``Sforce-Query-Options: batchSize=N`` (200..2000; the default is 2000)."""
    header = ctx.request.headers.get("Sforce-Query-Options", "")
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip() == "batchSize" and value.strip().isdigit():
            return max(MIN_BATCH, min(MAX_BATCH, int(value)))
    return MAX_BATCH


def _query_body(ctx: Ctx, records: list[dict], total: int, locator: str | None, offset: int):
    body: dict = {"totalSize": total, "done": locator is None, "records": records}
    if locator is not None:
        body["nextRecordsUrl"] = ctx.data_url(f"query/{locator}-{offset}")
    return body


def _run_query(ctx: Ctx, include_deleted: bool) -> Response:
    text = ctx.request.args.get("q")
    if not text or not text.strip():
        raise SalesforceError("MALFORMED_QUERY", "A query string has to be specified", status=400)
    if ctx.request.args.get("columns", "").lower() == "true":
        return json_response(ctx.org.query_columns(text))
    cursor = ctx.org.query(
        text, include_deleted=include_deleted, user=ctx.user, batch_size=batch_size(ctx)
    )
    records, locator = ctx.app.cursors.first_page(ctx.org.org_id, cursor)
    return json_response(_query_body(ctx, records, cursor.total_size, locator, len(records)))


def _more(ctx: Ctx, locator_text: str) -> Response:
    locator, offset = split_locator(locator_text)
    records, done, next_offset = ctx.app.cursors.next_page(ctx.org.org_id, locator, offset)
    total = ctx.app.cursors.total_size(locator)
    return json_response(_query_body(ctx, records, total, None if done else locator, next_offset))


@routes.route(DATA + "/query", ["GET"])
@api
def query(ctx: Ctx) -> Response:
    return _run_query(ctx, include_deleted=False)


@routes.route(DATA + "/queryAll", ["GET"])
@api
def query_all(ctx: Ctx) -> Response:
    return _run_query(ctx, include_deleted=True)


@routes.route(DATA + "/query/<locator>", ["GET"])
@api
def query_more(ctx: Ctx, locator: str) -> Response:
    return _more(ctx, locator)


@routes.route(DATA + "/queryAll/<locator>", ["GET"])
@api
def query_all_more(ctx: Ctx, locator: str) -> Response:
    return _more(ctx, locator)


# -- tooling -----------------------------------------------------------------------------
@routes.route(DATA + "/tooling/query", ["GET"])
@api
def tooling_query(ctx: Ctx) -> Response:
    text = ctx.request.args.get("q")
    if not text or not text.strip():
        raise SalesforceError("MALFORMED_QUERY", "A query string has to be specified")
    if ctx.request.args.get("columns", "").lower() == "true":
        return json_response(tooling.tooling_columns(ctx.org, text))
    return json_response(ctx.org.tooling_query(text, ctx.user))


@routes.route(DATA + "/tooling/sobjects", ["GET"])
@api
def tooling_global(ctx: Ctx) -> Response:
    return json_response(tooling.tooling_global())


@routes.route(DATA + "/tooling/sobjects/<name>", ["GET"])
@api
def tooling_sobject(ctx: Ctx, name: str) -> Response:
    described = tooling.tooling_describe(ctx.org, name)
    entry = {k: v for k, v in described.items() if k not in ("fields", "childRelationships")}
    return json_response({"objectDescribe": entry, "recentItems": []})


@routes.route(DATA + "/tooling/sobjects/<name>/describe", ["GET"])
@api
def tooling_describe(ctx: Ctx, name: str) -> Response:
    return json_response(tooling.tooling_describe(ctx.org, name))


@routes.route(DATA + "/tooling/sobjects/<name>/<record_id>", ["GET", "PATCH"])
@api
def tooling_record(ctx: Ctx, name: str, record_id: str) -> Response:
    if ctx.request.method == "GET":
        return json_response(tooling.tooling_get(ctx.org, name, record_id))
    tooling.tooling_name(name)
    ctx.org.tooling_update(name, record_id, _record_body(ctx), ctx.user)
    return Response(status=204)
