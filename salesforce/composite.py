"""Many small SOQL queries in few API calls: composite requests of GET subrequests.

One composite request carries up to COMPOSITE_SUBREQUESTS subrequests and costs one API
call, whatever it holds. Each subrequest succeeds or fails on its own (`allOrNone` false),
so every caller decides what an unanswered query means for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlencode

COMPOSITE_SUBREQUESTS = 25  # Salesforce's limit per composite request


def composite_queries(
    post: Callable[[dict], dict],
    api_version: str | None,
    queries: list[str],
    *,
    include_deleted: bool = False,
    per_call: int = COMPOSITE_SUBREQUESTS,
) -> Iterator[dict]:
    """Send `queries` `per_call` at a time; yield one answer per query, in their order.

    `post(body)` sends one composite request (one API call: the caller counts it) and
    returns its JSON; it is called when the answers of its group are first asked for. An
    answer is the subrequest's result (`httpStatusCode`, `body`), or {} where Salesforce
    returned none for it.
    """
    resource = "queryAll" if include_deleted else "query"
    base = f"/services/data/v{api_version}/{resource}/"
    for start in range(0, len(queries), per_call):
        group = queries[start : start + per_call]
        body = {
            "allOrNone": False,
            "compositeRequest": [
                {"method": "GET", "url": f"{base}?{urlencode({'q': q})}", "referenceId": f"q{n}"}
                for n, q in enumerate(group)
            ],
        }
        answers = post(body).get("compositeResponse") or []
        by_reference = {answer.get("referenceId"): answer for answer in answers}
        for n in range(len(group)):
            yield by_reference.get(f"q{n}") or {}


def answered(answer: dict) -> dict | None:
    """A subrequest's query body if it succeeded, else None."""
    if answer.get("httpStatusCode") == 200 and isinstance(answer.get("body"), dict):
        return answer["body"]
    return None


def subrequest_error(answer: dict) -> str:
    """A failed composite sub-request as "<status> <errorCode>: <message>"."""
    status = answer.get("httpStatusCode", "no answer")
    errors = answer.get("body")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = first.get("errorCode", "")
    message = str(first.get("message", ""))[:300]
    return f"{status} {code}: {message}".strip().rstrip(":").strip()
