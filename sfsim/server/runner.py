"""Start the simulator: certificates, the Simulator store, a threaded HTTPS server."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from sfsim.server.app import SimApp
from sfsim.server.faults import FaultRegistry
from sfsim.server.tls import ensure_certificates

log = logging.getLogger("sfsim.server")
SERVER_FILE = "server.json"


class ListenError(Exception):
    """The server could not bind its address (port in use, bad host)."""


class QuietHandler(WSGIRequestHandler):
    """Logs nothing per request (the bulk path makes many); errors still go to stderr.

    TCP_NODELAY: an answer goes out as separate writes (headers, then body), and with
    Nagle's algorithm the second waited for the client's delayed ACK: ~20 ms a call."""

    disable_nagle_algorithm = True

    def log_request(self, code="-", size="-") -> None:
        return


def create_app(
    data_dir: str | Path,
    *,
    token_lifetime: int | None = None,
    faults_file: str | Path | None = None,
) -> SimApp:
    from sfsim.store import Simulator

    sim = Simulator(data_dir)
    if token_lifetime is not None:
        sim.token_lifetime_seconds = token_lifetime
    if not sim.orgs():
        sim.ensure_default_org()
    faults = FaultRegistry()
    if faults_file:
        faults.load_file(faults_file)
    return SimApp(sim, data_dir, faults)


def read_server_file(data_dir: str | Path) -> dict | None:
    """The base URL and CA path of the last server started on ``data_dir``, if any."""
    path = Path(data_dir) / SERVER_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def serve(
    data_dir: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8443,
    token_lifetime: int | None = None,
    faults_file: str | Path | None = None,
    out=None,
) -> None:
    """Serve until SIGINT/SIGTERM; print one ready line once listening."""
    out = out or sys.stdout
    data_dir = Path(data_dir)
    tls = ensure_certificates(data_dir)
    app = create_app(data_dir, token_lifetime=token_lifetime, faults_file=faults_file)
    try:
        server = make_server(
            host,
            port,
            app,
            threaded=True,
            ssl_context=tls.ssl_context(),
            request_handler=QuietHandler,
        )
    except OSError as error:
        app.close()
        raise ListenError(f"Cannot listen on {host}:{port}: {error.strerror or error}") from error
    server.daemon_threads = True
    base_url = f"https://{host}:{server.server_port}"
    (data_dir / SERVER_FILE).write_text(
        json.dumps({"base_url": base_url, "ca_path": str(tls.ca_path)})
    )
    stop = threading.Event()

    def request_stop(signum, frame) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    thread = threading.Thread(target=server.serve_forever, name="sfsim-http", daemon=True)
    thread.start()
    out.write(f"sfsim ready at {base_url} (CA: {tls.ca_path})\n")
    out.write(f"sfsim control token (X-Sfsim-Token header for /__sfsim/): {app.control_token}\n")
    out.flush()
    try:
        while not stop.wait(0.5):
            if not thread.is_alive():
                break
    finally:
        server.shutdown()
        server.server_close()
        app.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
