"""Record writes, one API call per batch of at most 200 records, partial success.

- `collection_update(client, object_name, records) -> list[WriteResult]` — sObject
  Collections PATCH (`composite/sobjects`, allOrNone false); each record a dict with `Id`.
- `collection_insert(client, object_name, records) -> list[WriteResult]` — sObject
  Collections POST; the result's `id` is the new record's Id.
- `undelete(client, ids) -> list[WriteResult]` — the partner SOAP `undelete()` call
  (Salesforce has no REST undelete): Recycle Bin records come back with their Ids and
  with the children their delete took along.

Each call answers one result per record in the order given; a record's failure is its
result (`success` false, Salesforce's `error_code` and `message`), never an exception.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape

from salesforce.client import SalesforceClient
from salesforce.errors import SalesforceApiError
from salesforce.metadata import parse_xml

BATCH = 200


@dataclass(frozen=True)
class WriteResult:
    success: bool
    id: str = ""
    error_code: str = ""
    message: str = ""


def _check(records) -> None:
    if len(records) > BATCH:
        raise ValueError(f"At most {BATCH} records per call, not {len(records)}.")


def _results(body: list[dict]) -> list[WriteResult]:
    out = []
    for item in body:
        if item.get("success"):
            out.append(WriteResult(True, id=item.get("id") or ""))
        else:
            error = (item.get("errors") or [{}])[0]
            out.append(
                WriteResult(
                    False,
                    id=item.get("id") or "",
                    error_code=error.get("statusCode", "UNKNOWN_EXCEPTION"),
                    message=error.get("message", ""),
                )
            )
    return out


def _body(object_name: str, records: list[dict]) -> dict:
    return {
        "allOrNone": False,
        "records": [{"attributes": {"type": object_name}, **record} for record in records],
    }


def collection_update(
    client: SalesforceClient, object_name: str, records: list[dict]
) -> list[WriteResult]:
    _check(records)
    response = client.request("PATCH", "composite/sobjects", json=_body(object_name, records))
    return _results(response.json())


def collection_insert(
    client: SalesforceClient, object_name: str, records: list[dict]
) -> list[WriteResult]:
    _check(records)
    response = client.request("POST", "composite/sobjects", json=_body(object_name, records))
    return _results(response.json())


def undelete(client: SalesforceClient, ids: list[str]) -> list[WriteResult]:
    _check(ids)
    answer = _soap_ids_call(client, "undelete", ids)
    out = []
    for result in answer.all("result") if answer else []:
        if result.get("success") == "true":
            out.append(WriteResult(True, id=result.get("id")))
        else:
            errors = result.first("errors")
            out.append(
                WriteResult(
                    False,
                    error_code=errors.get("statusCode") if errors else "UNKNOWN_EXCEPTION",
                    message=errors.get("message") if errors else "",
                )
            )
    return out


# --- deletes (archives) -------------------------------------------------------------------


def collection_delete(client: SalesforceClient, ids: list[str]) -> list[WriteResult]:
    """sObject Collections DELETE (`composite/sobjects?ids=...&allOrNone=false`): at most
    200 Ids of any objects in one call; each result carries its Id. A refused delete
    (e.g. DELETE_FAILED on a restricted relationship) is that record's result."""
    _check(ids)
    if not ids:
        return []
    response = client.request(
        "DELETE", "composite/sobjects", params={"ids": ",".join(ids), "allOrNone": "false"}
    )
    results = _results(response.json())
    return [
        WriteResult(r.success, id=r.id or record_id, error_code=r.error_code, message=r.message)
        for r, record_id in zip(results, ids, strict=True)
    ]


def empty_recycle_bin(client: SalesforceClient, ids: list[str]) -> list[WriteResult]:
    """The partner SOAP `emptyRecycleBin()` call (no REST equivalent): Recycle Bin records
    (at most 200) are purged for good, with the children their delete took along."""
    _check(ids)
    if not ids:
        return []
    answer = _soap_ids_call(client, "emptyRecycleBin", ids)
    out = []
    for result, record_id in zip(answer.all("result") if answer else [], ids, strict=False):
        if result.get("success") == "true":
            out.append(WriteResult(True, id=result.get("id") or record_id))
        else:
            errors = result.first("errors")
            out.append(
                WriteResult(
                    False,
                    id=record_id,
                    error_code=errors.get("statusCode") if errors else "UNKNOWN_EXCEPTION",
                    message=errors.get("message") if errors else "",
                )
            )
    return out


def bulk_delete(
    client: SalesforceClient,
    object_name: str,
    ids: list[str],
    *,
    poll_seconds: float = 0.05,
    timeout: float = 3600,
    heartbeat=None,
) -> tuple[list[WriteResult], int]:
    """Bulk API 2.0 ingest `delete` of one object's Ids (any number, one job): (one result
    per Id in the order given, API calls made). Failed rows carry Salesforce's code and
    message from `failedResults` ("CODE:message:--")."""
    import csv
    import io
    import time

    calls = 1
    job = client.request(
        "POST",
        "jobs/ingest",
        json={"object": object_name, "operation": "delete", "lineEnding": "LF"},
    ).json()
    path = f"jobs/ingest/{job['id']}"
    body = "Id\n" + "\n".join(ids) + "\n"
    client.request(
        "PUT", path + "/batches", data=body.encode(), headers={"Content-Type": "text/csv"}
    )
    client.request("PATCH", path, json={"state": "UploadComplete"})
    calls += 2
    deadline = time.monotonic() + timeout
    while True:
        info = client.request("GET", path).json()
        calls += 1
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            break
        if time.monotonic() > deadline:
            raise SalesforceApiError("TIMEOUT", f"Bulk delete job {job['id']} did not finish.", 0)
        if heartbeat is not None:
            heartbeat()
        time.sleep(poll_seconds)
    if info["state"] != "JobComplete":
        raise SalesforceApiError(
            "BULK_JOB_FAILED", f"Bulk delete job {job['id']}: {info.get('errorMessage', '')}", 0
        )
    done: dict[str, WriteResult] = {}
    for kind in ("successfulResults", "failedResults"):
        text = client.request("GET", f"{path}/{kind}", headers={"Accept": "text/csv"}).text
        calls += 1
        for row in csv.DictReader(io.StringIO(text)):
            record_id = row.get("sf__Id") or row.get("Id") or ""
            if kind == "successfulResults":
                done[record_id] = WriteResult(True, id=record_id)
            else:
                code, _, rest = (row.get("sf__Error") or "").partition(":")
                message = rest.rsplit(":--", 1)[0].rsplit(":", 1)[0] if rest else ""
                done[record_id] = WriteResult(
                    False, id=record_id, error_code=code or "UNKNOWN_EXCEPTION", message=message
                )
    missing = WriteResult(False, error_code="UNKNOWN_EXCEPTION", message="No result returned.")
    return [done.get(i, missing) for i in ids], calls


def _soap_ids_call(client, operation: str, ids: list[str]):
    """One partner SOAP call taking a list of Ids (undelete, emptyRecycleBin); its
    `<operation>Response` element, or SalesforceApiError with Salesforce's fault."""
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><env:Header><urn:SessionHeader>'
        f"<urn:sessionId>{escape(client.access_token)}</urn:sessionId>"
        f"</urn:SessionHeader></env:Header><env:Body><urn:{operation}>"
        + "".join(f"<urn:ids>{escape(i)}</urn:ids>" for i in ids)
        + f"</urn:{operation}></env:Body></env:Envelope>"
    )
    url = f"{client.instance_url}/services/Soap/u/{client.api_version}"
    response = client.session.post(
        url,
        data=envelope.encode("utf-8"),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": operation},
    )
    root = parse_xml([response.content])
    if response.status_code >= 300:
        code, message = root.find("exceptionCode"), root.find("exceptionMessage")
        fault = root.find("faultstring")
        raise SalesforceApiError(
            code.text if code else "UNKNOWN_EXCEPTION",
            message.text if message else fault.text if fault else response.text[:200],
            response.status_code,
        )
    return root.find(f"{operation}Response")
