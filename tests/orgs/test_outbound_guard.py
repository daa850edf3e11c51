"""The Add Salesforce Org form and private addresses (SSRF): unless the operator sets
OUTBOUND_ALLOW_PRIVATE, a login URL or S3 endpoint on loopback, a private network,
link-local or the cloud metadata address is refused before any request is sent — and
every refusal, like every login URL that cannot be reached or trusted, gets the same
words, so the form cannot be used to map the server's network."""

import socket
import threading

import pytest
from django.urls import reverse
from django.utils.html import escape

from orgs.forms import ADDRESS_REFUSED
from orgs.models import Org
from orgs.pending import SESSION_KEY
from tests.orgs.test_connect import add_form

ADD = reverse("orgs:add")


class Listener:
    """A TCP port on loopback that counts the connections it is sent."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture
def creds(sfsim) -> dict:
    return sfsim.credentials[0]


def _error_of(page: str) -> str:
    assert escape(ADDRESS_REFUSED) in page, page[:3000]
    return escape(ADDRESS_REFUSED)


@pytest.mark.parametrize(
    "login_url",
    [
        "https://127.0.0.1:{port}",
        "https://localhost:{port}",
        "https://[::1]:{port}",
        "https://10.0.0.8",
        "https://192.168.1.1",
        "https://172.16.5.4",
        "https://169.254.169.254",  # the cloud metadata service
        "https://[fe80::1]",
        "https://0.0.0.0:{port}",
        "https://no-such-host.invalid",
    ],
)
def test_private_login_urls_are_refused_with_one_message_and_never_called(
    client_admin_a, sfsim, creds, settings, login_url
):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    listener = Listener()
    response = client_admin_a.post(
        ADD, add_form(sfsim, creds, login_url=login_url.format(port=listener.port))
    )
    assert response.status_code == 200
    _error_of(response.content.decode())
    assert listener.connections == 0
    assert not Org.objects.exists() and SESSION_KEY not in client_admin_a.session


def test_a_private_s3_endpoint_is_refused_with_the_same_message(
    client_admin_a, sfsim, creds, settings
):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    listener = Listener()
    data = add_form(
        sfsim,
        creds,
        org_type="production",
        login_url="",
        storage="s3",
        s3_bucket="backups",
        s3_endpoint_url=f"https://127.0.0.1:{listener.port}",
        s3_access_key_id="key",
        s3_secret_access_key="secret",
    )
    page = client_admin_a.post(ADD, data).content.decode()
    _error_of(page)
    assert listener.connections == 0


def test_refused_and_untrusted_addresses_get_the_same_words(client_admin_a, sfsim, creds, settings):
    """With private addresses allowed (the simulator's set-up), a closed port and a
    certificate nobody trusts still read the same: refused or TLS is not said."""
    settings.SALESFORCE_CA_BUNDLE = ""  # trust only the system's CAs
    closed = Listener()
    closed.server.close()
    refused = client_admin_a.post(
        ADD, add_form(sfsim, creds, login_url=f"https://127.0.0.1:{closed.port}")
    ).content.decode()
    untrusted = client_admin_a.post(
        ADD,
        add_form(sfsim, creds, ca_certificates=""),  # the simulator's CA not given
    ).content.decode()
    for page in (refused, untrusted):
        message = _error_of(page)
        rest = page.replace(message, "").lower()
        for reason in ("was refused", "not trusted", "does not resolve", "did not answer"):
            assert reason not in rest, reason
    assert not Org.objects.exists()


def test_the_simulator_connects_when_private_addresses_are_allowed(client_admin_a, sfsim, creds):
    started = client_admin_a.post(ADD, add_form(sfsim, creds))
    assert started.status_code == 302
    assert started["Location"].startswith(creds["login_url"].rstrip("/"))
