"""Test-only admin endpoints under ``/__sfsim/`` (no authentication; loopback only).

- ``GET /__sfsim/faults`` lists the fault rules with their call and hit counts
- ``POST /__sfsim/faults`` adds one rule or a list (see sfsim/server/faults.py)
- ``DELETE /__sfsim/faults`` removes them all
- ``POST /__sfsim/clock`` ``{"days": N, "seconds": S}`` moves the simulator's clock forward
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from sfsim.clock import sf_datetime
from sfsim.errors import SalesforceError
from sfsim.server.app import public, routes
from sfsim.server.faults import FaultSpecError
from sfsim.server.http import Ctx, json_response, parse_json_body


@routes.route("/__sfsim/faults", ["GET", "POST", "DELETE"])
@public
def faults(ctx: Ctx) -> Response:
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
    if ctx.request.method == "POST":
        body = parse_json_body(ctx.request)
        days, seconds = body.get("days", 0), body.get("seconds", 0)
        if not isinstance(days, int | float) or not isinstance(seconds, int | float):
            raise SalesforceError("INVALID_CLOCK", "'days' and 'seconds' must be numbers.")
        if days < 0 or seconds < 0:
            raise SalesforceError("INVALID_CLOCK", "The clock only moves forward.")
        ctx.sim.clock.advance(days=days, seconds=seconds)
    return json_response({"now": sf_datetime(ctx.sim.clock.now())})
