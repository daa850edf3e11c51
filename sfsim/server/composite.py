"""``composite/sobjects`` (collections of up to 200 records) and ``composite`` (subrequests).

All-or-none is done by compensation: records created are hard-deleted, updated records
get their previous values back and deleted records are undeleted.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from sfsim.errors import SalesforceError
from sfsim.server.app import api, routes
from sfsim.server.http import Ctx, json_response, parse_json_body

DATA = "/services/data/v<version>"
MAX_RECORDS = 200
MAX_SUBREQUESTS = 25
ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was "
    "using AllOrNone header",
    "fields": [],
}


def _error_item(error: SalesforceError) -> dict:
    return {"statusCode": error.error_code, "message": error.message, "fields": error.fields}


class _RollBack(Exception):
    """Raised inside org.transaction() to undo an all-or-none request."""


def _records_body(ctx: Ctx) -> tuple[bool, list[dict]]:
    body = parse_json_body(ctx.request)
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        raise SalesforceError("JSON_PARSER_ERROR", "The request body needs a 'records' list.")
    if len(records) > MAX_RECORDS:
        raise SalesforceError(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    return bool(body.get("allOrNone", False)), records


def _object_of(item: dict) -> str:
    attributes = item.get("attributes")
    if not isinstance(attributes, dict) or not attributes.get("type"):
        raise SalesforceError(
            "INVALID_TYPE", "No SObject Type defined in the record's attributes", []
        )
    return attributes["type"]


def _values(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in ("attributes", "id", "Id")}


def _collection(
    ctx: Ctx, all_or_none: bool, items: list, write, ids: list[str] | None = None
) -> Response:
    """Run ``write(item) -> id`` for each item; build per-record results.

    With ``all_or_none`` everything runs in one org transaction that is rolled back at
    the first failure. ``ids`` (deletes) puts the record's Id on failed results too.
    """
    results: list[dict] = []

    def run_all() -> bool:
        failed = False
        for item in items:
            try:
                results.append({"id": write(item), "success": True, "errors": []})
            except SalesforceError as error:
                failed = True
                results.append({"success": False, "errors": [_error_item(error)]})
                if all_or_none:
                    break
        return failed

    if all_or_none:
        try:
            with ctx.org.transaction():
                if run_all():
                    raise _RollBack
        except _RollBack:
            results = [
                results[i]
                if i < len(results) and not results[i]["success"]
                else {"success": False, "errors": [dict(ROLLED_BACK)]}
                for i in range(len(items))
            ]
    else:
        # One commit for the call (as Salesforce saves a collection in one transaction);
        # each record's write is a savepoint, so a failure undoes that record alone.
        with ctx.org.transaction():
            run_all()
    if ids is not None:
        results = [
            {"id": record_id, **result} for result, record_id in zip(results, ids, strict=True)
        ]
    return json_response(results)


@routes.route(DATA + "/composite/sobjects", ["POST", "PATCH", "DELETE"])
@api
def sobject_collection(ctx: Ctx) -> Response:
    org, user, method = ctx.org, ctx.user, ctx.request.method
    if method == "DELETE":
        ids = [i for i in ctx.request.args.get("ids", "").split(",") if i]
        if len(ids) > MAX_RECORDS:
            raise SalesforceError(
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        all_or_none = ctx.request.args.get("allOrNone", "false").lower() == "true"

        def delete(record_id):
            org.delete(record_id, user)
            return record_id

        return _collection(ctx, all_or_none, ids, delete, ids=ids)
    all_or_none, records = _records_body(ctx)
    if method == "POST":

        def create(item):
            if item.get("id") or item.get("Id"):
                raise SalesforceError(
                    "INVALID_FIELD", "Record ID: cannot specify Id in an insert call", ["Id"]
                )
            object_name = _object_of(item)
            return org.create(object_name, _values(item), user)

        return _collection(ctx, all_or_none, records, create)

    def update(item):
        object_name = _object_of(item)
        record_id = item.get("id") or item.get("Id")
        if not record_id:
            raise SalesforceError("MISSING_ARGUMENT", "Id not specified in an update call", [])
        org.update(object_name, record_id, _values(item), user)
        return record_id

    return _collection(ctx, all_or_none, records, update)


@routes.route(DATA + "/composite/sobjects/<name>", ["GET", "POST"])
@api
def sobject_collection_get(ctx: Ctx, name: str) -> Response:
    if ctx.request.method == "POST":
        body = parse_json_body(ctx.request)
        ids, fields = body.get("ids", []), body.get("fields", [])
    else:
        ids = [i for i in ctx.request.args.get("ids", "").split(",") if i]
        fields = [f for f in ctx.request.args.get("fields", "").split(",") if f]
    if not fields:
        raise SalesforceError("MISSING_ARGUMENT", "fields not specified")
    results = []
    for record_id in ids:
        try:
            results.append(ctx.org.get(name, record_id, fields, ctx.user))
        except SalesforceError:
            results.append(None)
    return json_response(results)


# -- composite ---------------------------------------------------------------------------
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]+)\}")


def _resolve_path(value, path: str):
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            value = value[int(part[1:-1])]
        else:
            value = value[part]
    return value


def _substitute(data, outputs: dict):
    if isinstance(data, str):

        def replace(match: re.Match) -> str:
            ref, path = match.group(1), match.group(2)
            if ref not in outputs:
                raise SalesforceError(
                    "INVALID_REFERENCE", f"Invalid reference specified. No value for {ref}."
                )
            try:
                return str(_resolve_path(outputs[ref], path))
            except (KeyError, IndexError, TypeError) as exc:
                raise SalesforceError(
                    "INVALID_REFERENCE",
                    f"Invalid reference specified. No value for {ref}.{path} found in {ref}.",
                ) from exc

        return _REFERENCE.sub(replace, data)
    if isinstance(data, list):
        return [_substitute(item, outputs) for item in data]
    if isinstance(data, dict):
        return {key: _substitute(item, outputs) for key, item in data.items()}
    return data


def _subrequest(ctx: Ctx, method: str, url: str, body) -> Response:
    parts = urlsplit(url)
    builder = EnvironBuilder(
        path=parts.path,
        query_string=parts.query,
        method=method,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        base_url=ctx.request.host_url,
        headers={"Sforce-Query-Options": ctx.request.headers.get("Sforce-Query-Options", "")},
    )
    environ = builder.get_environ()
    environ["sfsim.parent_ctx"] = ctx
    return ctx.app.dispatch(Request(environ))


def _response_body(response: Response):
    data = response.get_data()
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


@routes.route(DATA + "/composite", ["POST"])
@api
def composite(ctx: Ctx) -> Response:
    body = parse_json_body(ctx.request)
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subrequests, list) or not subrequests:
        raise SalesforceError("JSON_PARSER_ERROR", "compositeRequest must be a non-empty list.")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise SalesforceError(
            "INVALID_BATCH_REQUEST", "Maximum number of subrequests allowed is 25."
        )
    all_or_none = bool(body.get("allOrNone", False))
    if not all_or_none:
        return json_response({"compositeResponse": _run_subrequests(ctx, subrequests, False)})
    answers: list[dict] = []
    try:
        with ctx.org.transaction():
            answers = _run_subrequests(ctx, subrequests, True)
            if any(a["httpStatusCode"] >= 300 for a in answers):
                raise _RollBack
    except _RollBack:
        for answer in answers:
            if answer["httpStatusCode"] < 300:
                answer.update(_halted(answer["referenceId"]))
    return json_response({"compositeResponse": answers})


def _run_subrequests(ctx: Ctx, subrequests: list, all_or_none: bool) -> list[dict]:
    outputs: dict = {}
    answers: list[dict] = []
    halted = False
    for sub in subrequests:
        ref = sub.get("referenceId", "")
        if halted:
            answers.append(_halted(ref))
            continue
        try:
            url = _substitute(sub.get("url", ""), outputs)
            payload = _substitute(sub.get("body"), outputs)
        except SalesforceError as error:
            answers.append(_answer(ref, 400, error.to_json()))
            halted = all_or_none
            continue
        response = _subrequest(ctx, sub.get("method", "GET").upper(), url, payload)
        result = _response_body(response)
        answers.append(_answer(ref, response.status_code, result, response))
        if response.status_code < 300:
            outputs[ref] = result
        elif all_or_none:
            halted = True
    return answers


def _answer(ref: str, status: int, body, response: Response | None = None) -> dict:
    headers = {}
    if response is not None and response.headers.get("Location"):
        headers["Location"] = response.headers["Location"]
    return {"body": body, "httpHeaders": headers, "httpStatusCode": status, "referenceId": ref}


def _halted(ref: str) -> dict:
    return _answer(
        ref,
        400,
        [
            {
                "errorCode": "PROCESSING_HALTED",
                "message": "The transaction was rolled back since another operation in the "
                "same transaction failed.",
            }
        ],
    )
