"""The S3 probe of the Add Org form says the same sentence for every endpoint it cannot
reach (nothing listening, TLS not trusted), so the form cannot map the server's network."""

import socket
import ssl
import threading

import pytest

from common.storage import StorageProbeError, s3_storage, storage_probe


def _probe(endpoint: str) -> str:
    storage = s3_storage(
        bucket="probe", endpoint_url=endpoint, region="us-east-1",
        access_key_id="k", secret_access_key="s",
    )  # fmt: skip
    with pytest.raises(StorageProbeError) as refused:
        storage_probe(storage)
    return str(refused.value)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def untrusted_tls(tmp_path):
    """A TLS listener whose certificate no client trusts (the simulator's own CA)."""
    from sfsim.server.tls import ensure_certificates

    context = ensure_certificates(tmp_path).ssl_context()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            try:
                context.wrap_socket(conn, server_side=True).close()
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    server.close()


def test_refused_and_untrusted_tls_read_the_same(closed_port, untrusted_tls):
    refused = _probe(f"http://127.0.0.1:{closed_port}")
    untrusted = _probe(untrusted_tls)
    assert refused == untrusted
    assert "could not be reached" in refused
