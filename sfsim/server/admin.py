"""Test-only control endpoints under ``/__sfsim/``, for whoever holds the control token.

Every call needs the header ``X-Sfsim-Token: <token>``: the token is made once per data
folder (``<data>/control-token``), printed when ``sfsim serve`` starts and by ``sfsim
credentials``. A web page cannot send that header cross-origin without a preflight the
simulator never answers, so a browser cannot drive these routes.

- ``GET /__sfsim/faults`` lists the fault rules with their call and hit counts
- ``POST /__sfsim/faults`` adds one rule or a list (see sfsim/server/faults.py)
- ``DELETE /__sfsim/faults`` removes them all
- ``POST /__sfsim/clock`` ``{"days": N, "seconds": S}`` moves the simulator's clock forward
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from werkzeug.wrappers import Response

from sfsim.clock import sf_datetime
from sfsim.errors import SalesforceError
from sfsim.server.app import public, routes
from sfsim.server.faults import FaultSpecError
from sfsim.server.http import Ctx, json_response, parse_json_body

TOKEN_FILE = "control-token"
TOKEN_HEADER = "X-Sfsim-Token"


def control_token(data_dir: str | Path) -> str:
    """The data folder's control token, made on first use (readable by its owner only)."""
    path = Path(data_dir) / TOKEN_FILE
    try:
        token = path.read_text().strip()
    except OSError:
        token = ""
    if not token:
        token = secrets.token_urlsafe(24)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(token + "\n")
        path.chmod(0o600)
    return token


def _check_token(ctx: Ctx) -> None:
    given = ctx.request.headers.get(TOKEN_HEADER, "")
    if not given or not hmac.compare_digest(given, ctx.app.control_token):
        raise SalesforceError(
            "INVALID_SESSION_ID",
            f"The /__sfsim/ control routes need the {TOKEN_HEADER} header with the control "
            "token printed when sfsim started (also shown by `sfsim credentials`).",
            status=401,
        )


@routes.route("/__sfsim/faults", ["GET", "POST", "DELETE"])
@public
def faults(ctx: Ctx) -> Response:
    _check_token(ctx)
    registry = ctx.app.faults
    if ctx.request.method == "DELETE":
        registry.clear()
        return Response(status=204)
    if ctx.request.method == "POST":
        try:
            added = registry.add(parse_json_body(ctx.request))
        except FaultSpecError as error:
            raise SalesforceError("INVALID_FAULT", str(error)) from error
        return json_response([rule.as_json() for rule in added], status=201)
    return json_response(registry.rules())


@routes.route("/__sfsim/clock", ["GET", "POST"])
@public
def clock(ctx: Ctx) -> Response:
    _check_token(ctx)
    if ctx.request.method == "POST":
        body = parse_json_body(ctx.request)
        days, seconds = body.get("days", 0), body.get("seconds", 0)
        if not isinstance(days, int | float) or not isinstance(seconds, int | float):
            raise SalesforceError("INVALID_CLOCK", "'days' and 'seconds' must be numbers.")
        if days < 0 or seconds < 0:
            raise SalesforceError("INVALID_CLOCK", "The clock only moves forward.")
        ctx.sim.clock.advance(days=days, seconds=seconds)
    return json_response({"now": sf_datetime(ctx.sim.clock.now())})
