"""Small HTTP helpers shared by the route modules: responses, versions, request context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from sfsim.errors import SalesforceError

if TYPE_CHECKING:
    from sfsim.server.app import SimApp

from sfsim.versions import MAX_VERSION, MIN_VERSION, VERSIONS  # noqa: F401 (re-exported)


def version_label(version: str) -> str:
    """Release name of an API version: v20.0 is Winter '11, v67.0 is Summer '26."""
    index = int(float(version)) - MIN_VERSION
    season = ("Winter", "Spring", "Summer")[index % 3]
    return f"{season} '{11 + index // 3:02d}"


def check_version(version: str) -> str:
    """``version`` is the part after ``v`` in ``/services/data/vXX.X``."""
    if version not in VERSIONS:
        raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
    return version


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=headers,
        content_type="application/json;charset=UTF-8",
    )


def error_response(error: SalesforceError) -> Response:
    return json_response(error.to_json(), status=error.status)


def unknown_exception(message: str) -> Response:
    return json_response([{"errorCode": "UNKNOWN_EXCEPTION", "message": message}], status=500)


def parse_json_body(request: Request) -> Any:
    """The request body as JSON; Salesforce's JSON_PARSER_ERROR when it is not JSON."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise SalesforceError("JSON_PARSER_ERROR", "The request body is empty.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SalesforceError(
            "JSON_PARSER_ERROR", f"Unexpected character in the request body: {exc}"
        ) from exc


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


@dataclass
class Ctx:
    """One API call: the app, the request, the API version and the caller."""

    app: SimApp
    request: Request
    version: str | None = None
    org: Any = None
    user: Any = None
    extra: dict = field(default_factory=dict)

    @property
    def sim(self):
        return self.app.sim

    @property
    def instance_url(self) -> str:
        return self.request.host_url.rstrip("/")

    def data_url(self, path: str = "") -> str:
        return f"/services/data/v{self.version}/{path}"
