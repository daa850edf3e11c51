"""``POST composite/tree/{sObject}``: sObject Tree, parents with nested children in one request.

Request: ``{"records": [{"attributes": {"type": "Account", "referenceId": "ref1"},
"Name": "Acme", "Contacts": {"records": [{"attributes": {"type": "Contact",
"referenceId": "ref2"}, "LastName": "Doe"}]}}]}``. Children are keyed by the parent's child
relationship name and get the parent's Id in the relationship's field.

Answer 201 ``{"hasErrors": false, "results": [{"referenceId": "ref1", "id": "001..."},
...]}`` in request order (each parent before its children). The request is all or nothing:
on the first failing record nothing is saved and the answer is 400 ``{"hasErrors": true,
"results": [{"referenceId": "ref2", "errors": [{"statusCode", "message", "fields"}]}]}``.
Salesforce's limits: 200 records in all, 5 levels, top records of the URL's type, unique
reference Ids.
"""

from __future__ import annotations

import re

from werkzeug.wrappers import Response

from sfsim.errors import SalesforceError
from sfsim.server.app import api, routes
from sfsim.server.http import Ctx, json_response, parse_json_body

DATA = "/services/data/v<version>"
MAX_RECORDS = 200
MAX_DEPTH = 5
_REFERENCE_ID = re.compile(r"^[A-Za-z0-9_]+$")


class _TreeError(Exception):
    def __init__(self, reference_id: str, error: SalesforceError):
        self.reference_id = reference_id
        self.error = error


class _Tree:
    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.results: list[dict] = []
        self.seen: set[str] = set()
        self.count = 0

    def check(self, records, expected_type: str | None, depth: int) -> None:
        """Validate the shape before writing anything (counts, types, reference Ids)."""
        if not isinstance(records, list) or not records:
            raise SalesforceError("INVALID_INPUT", "The request needs a non-empty 'records' list.")
        if depth > MAX_DEPTH:
            raise SalesforceError(
                "INVALID_INPUT", f"Too many levels: a tree can have at most {MAX_DEPTH} levels."
            )
        for record in records:
            if not isinstance(record, dict):
                raise SalesforceError("INVALID_INPUT", "Each record must be a JSON object.")
            attributes = record.get("attributes") or {}
            reference_id = attributes.get("referenceId")
            if not reference_id or not _REFERENCE_ID.match(str(reference_id)):
                raise SalesforceError(
                    "INVALID_INPUT",
                    "Include a reference ID that's unique within the request, made of "
                    "letters, digits and underscores.",
                )
            if reference_id in self.seen:
                raise SalesforceError(
                    "INVALID_INPUT",
                    f"Duplicate ReferenceId provided in the request: {reference_id}",
                )
            self.seen.add(reference_id)
            record_type = attributes.get("type")
            if expected_type and (record_type or "").lower() != expected_type.lower():
                raise SalesforceError(
                    "INVALID_INPUT",
                    f"The type {record_type} of record {reference_id} doesn't match "
                    f"{expected_type}.",
                )
            self.count += 1
            if self.count > MAX_RECORDS:
                raise SalesforceError(
                    "INVALID_INPUT",
                    f"Too many records: a request can hold at most {MAX_RECORDS} records.",
                )
            for value in record.values():
                if isinstance(value, dict) and "records" in value:
                    self.check(value["records"], None, depth + 1)

    def save(self, records: list[dict], parent_field: str | None, parent_id: str | None) -> None:
        org, user = self.ctx.org, self.ctx.user
        for record in records:
            attributes = record["attributes"]
            reference_id = attributes["referenceId"]
            values, children = {}, []
            for key, value in record.items():
                if key == "attributes":
                    continue
                if isinstance(value, dict) and "records" in value:
                    children.append((key, value["records"]))
                else:
                    values[key] = value
            try:
                od = org.obj_for_write(attributes.get("type") or "")
                if parent_field:
                    values[parent_field] = parent_id
                record_id = org.create(od.name, values, user)
            except SalesforceError as error:
                raise _TreeError(reference_id, error) from None
            self.results.append({"referenceId": reference_id, "id": record_id})
            for relationship, child_records in children:
                child = od.children.get(relationship.lower())
                if child is None:
                    error = SalesforceError(
                        "INVALID_FIELD",
                        f"Invalid field {relationship} on {od.name}: not a child relationship.",
                        [relationship],
                    )
                    raise _TreeError(reference_id, error)
                for child_record in child_records:
                    child_type = (child_record.get("attributes") or {}).get("type", "")
                    if child_type.lower() != child["childSObject"].lower():
                        error = SalesforceError(
                            "INVALID_INPUT",
                            f"The type {child_type} doesn't match the relationship "
                            f"{relationship} ({child['childSObject']}).",
                        )
                        raise _TreeError(child_record["attributes"]["referenceId"], error)
                self.save(child_records, child["field"], record_id)


class _Rollback(Exception):  # noqa: N818 - control flow
    pass


@routes.route(DATA + "/composite/tree/<name>", ["POST"])
@api
def sobject_tree(ctx: Ctx, name: str) -> Response:
    od = ctx.org.obj_for_write(name)
    body = parse_json_body(ctx.request)
    records = body.get("records") if isinstance(body, dict) else None
    tree = _Tree(ctx)
    tree.check(records, od.name, 1)
    failure: _TreeError | None = None
    try:
        with ctx.org.transaction():
            try:
                tree.save(records, None, None)
            except _TreeError as error:
                failure = error
                raise _Rollback from None
    except _Rollback:
        pass
    if failure is not None:
        error = failure.error
        item = {"statusCode": error.error_code, "message": error.message, "fields": error.fields}
        return json_response(
            {
                "hasErrors": True,
                "results": [{"referenceId": failure.reference_id, "errors": [item]}],
            },
            status=400,
        )
    return json_response({"hasErrors": False, "results": tree.results}, status=201)
