"""Fixtures for the notification tests: a real SMTP server on loopback (aiosmtpd), one
that refuses every message, and a real HTTP receiver for webhooks."""

import json
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.fixtures.deployment import free_port
from tests.notifications.factories import make_org


class Inbox:
    """Handler of the loopback SMTP server: keeps every message it accepts."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.messages: list = []
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.refuse:
            return "451 4.3.0 Mail server busy, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def _smtp(settings, inbox: Inbox):
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return controller


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = _smtp(settings, inbox)
    yield inbox
    controller.stop()


@pytest.fixture
def failing_smtp(settings):
    inbox = Inbox(refuse=True)
    controller = _smtp(settings, inbox)
    yield inbox
    controller.stop()


class Receiver:
    def __init__(self):
        self.posts: list[dict] = []
        self.status = 200
        self.url = ""


@pytest.fixture
def receiver(settings):
    """An HTTP server on 127.0.0.1 that records every JSON POST."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.posts.append(
                {"content_type": self.headers["Content-Type"], "json": json.loads(body)}
            )
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/orgvault"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://vault.example.com"
