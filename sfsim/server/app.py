"""The simulator's WSGI application: routing, authentication, API limits, faults, errors."""

from __future__ import annotations

import functools
import logging
import socket
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sfsim.errors import SalesforceError, invalid_session
from sfsim.server.faults import FaultRegistry, FaultRule
from sfsim.server.http import (
    Ctx,
    bearer_token,
    check_version,
    error_response,
    json_response,
    unknown_exception,
)
from sfsim.versions import use_api_version

log = logging.getLogger("sfsim.server")

Handler = Callable[..., Response]


class Routes:
    """Collects werkzeug Rules and their handlers from the route modules."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.handlers: dict[str, Handler] = {}

    def route(self, path: str, methods: Iterable[str], endpoint: str | None = None):
        def register(handler: Handler) -> Handler:
            name = endpoint or f"{handler.__module__}.{handler.__name__}"
            self.rules.append(Rule(path, endpoint=name, methods=list(methods)))
            self.handlers[name] = handler
            return handler

        return register


routes = Routes()


def api(handler: Handler) -> Handler:
    """An authenticated REST call under ``/services/data/v<version>/``.

    Checks the version and the Bearer token, honours the ApiEnabled permission,
    counts one DailyApiRequests call and sets ``Sforce-Limit-Info`` on the answer,
    whatever it is. Subrequests of ``composite`` reuse the caller and are not counted.
    """

    @functools.wraps(handler)
    def wrapper(app: SimApp, request: Request, version: str, **kwargs) -> Response:
        check_version(version)
        with use_api_version(version):
            return _call_api(handler, app, request, version, **kwargs)

    wrapper.is_api = True  # type: ignore[attr-defined]
    return wrapper


def _call_api(handler: Handler, app: SimApp, request: Request, version: str, **kwargs):
    parent: Ctx | None = request.environ.get("sfsim.parent_ctx")
    if parent is not None:
        ctx = Ctx(app, request, version, parent.org, parent.user)
        return handler(ctx, **kwargs)
    token = bearer_token(request)
    if token is None:
        raise invalid_session()
    org, user = app.sim.authenticate_token(token)
    org.check_api_access(user)
    used, maximum = org.consume_api_request()
    ctx = Ctx(app, request, version, org, user)
    try:
        response = handler(ctx, **kwargs)
    except SalesforceError as error:
        response = error_response(error)
    response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{maximum}"
    return response


def public(handler: Handler) -> Handler:
    """An unauthenticated call (OAuth, SOAP login, version list, admin)."""

    @functools.wraps(handler)
    def wrapper(app: SimApp, request: Request, **kwargs) -> Response:
        return handler(Ctx(app, request, kwargs.pop("version", None)), **kwargs)

    return wrapper


_FAULT_BODIES = {
    "http500": (
        500,
        [
            {
                "errorCode": "UNKNOWN_EXCEPTION",
                "message": "An unexpected error occurred. Please include this ErrorId "
                "if you contact support: 1234567890-12345 (-1234567890)",
            }
        ],
    ),
    "http503": (
        503,
        [
            {
                "errorCode": "SERVER_UNAVAILABLE",
                "message": "Service temporarily unavailable. Try again later.",
            }
        ],
    ),
    "request_limit": (
        403,
        [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
    ),
    "invalid_session": (
        401,
        [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
    ),
}


def _cut_body(response: Response, environ: dict, start_response) -> Iterable[bytes]:
    """Send the headers and half of the first body chunk, then drop the connection."""
    body_iter = response(environ, start_response)

    def generate():
        try:
            for chunk in body_iter:
                if chunk:
                    yield chunk[: max(1, len(chunk) // 2)]
                    break
        finally:
            close = getattr(body_iter, "close", None)
            if close:
                close()
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("socket already closed while cutting a response")
        raise ConnectionAbortedError("sfsim fault: connection cut in the middle of the body")

    return generate()


class SimApp:
    """WSGI app over one ``sfsim.store.Simulator``."""

    def __init__(self, sim, data_dir: str | Path, faults: FaultRegistry | None = None) -> None:
        from sfsim.server import (  # noqa: F401
            admin,  # noqa: F401
            bulk,
            composite,
            metadata_api,
            oauth,
            rest,
            soap_login,
            tree,
        )
        from sfsim.server.cursors import CursorRegistry
        from sfsim.server.oauth import OAuthState

        self.sim = sim
        self.data_dir = Path(data_dir)
        self.faults = faults or FaultRegistry()
        self.cursors = CursorRegistry()
        self.oauth = OAuthState()
        self.bulk = bulk.BulkJobs(self, self.data_dir / "bulk")
        self.metadata_results: dict[str, dict] = {}
        self.control_token = admin.control_token(self.data_dir)
        self.url_map = Map(routes.rules, strict_slashes=False, merge_slashes=True)

    def close(self) -> None:
        self.bulk.close()

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        fault: FaultRule | None = None
        if not request.path.startswith("/__sfsim"):
            fault = self.faults.match(request.method, request.path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind in _FAULT_BODIES:
            status, body = _FAULT_BODIES[fault.kind]
            return json_response(body, status=status)(environ, start_response)
        response = self.dispatch(request)
        if fault is not None and fault.kind == "cut":
            return _cut_body(response, environ, start_response)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match(path_info=path, method=request.method)
            return routes.handlers[endpoint](self, request, **args)
        except SalesforceError as error:
            return error_response(error)
        except NotFound:
            return json_response(
                [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
                status=404,
            )
        except MethodNotAllowed as exc:
            allowed = ",".join(sorted(exc.valid_methods or []))
            return json_response(
                [
                    {
                        "errorCode": "METHOD_NOT_ALLOWED",
                        "message": f"HTTP Method '{request.method}' not allowed. "
                        f"Allowed are {allowed}",
                    }
                ],
                status=405,
            )
        except HTTPException as exc:
            code = (exc.name or "Error").upper().replace(" ", "_")
            return json_response(
                [{"errorCode": code, "message": exc.description or exc.name}],
                status=exc.code or 400,
            )
        except Exception as exc:
            log.error("unexpected error on %s %s\n%s", request.method, path, traceback.format_exc())
            return unknown_exception(f"{type(exc).__name__}: {exc}")
