"""Runs the test OpenID Connect provider on 127.0.0.1 (a free port) until killed.

    python -m tests.identity.oidc_provider.serve <workdir> <redirect uri> [<redirect uri> ...]

Prints "READY <issuer>" once it listens. Its users and clients (identity's tests know
them: USERS and CLIENTS below) are created at start in a fresh SQLite file."""

import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server

CLIENT_SECRET = "provider-client-secret-1234"  # noqa: S105 — a throwaway test server
CLIENTS = ["orgvault", "orgvault-wrong-issuer", "orgvault-bad-signature", "orgvault-expired"]
USERS = [
    # username, password, email, first name, last name
    ("alice", "alice-provider-pass", "alice@corp.example", "Alice", "Corp"),
    ("bob", "bob-provider-pass", "bob@corp.example", "Bob", "Corp"),
    ("mallory", "mallory-provider-pass", "mallory@elsewhere.example", "Mallory", "Else"),
]


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class _App:
    """Loads Django's WSGI app once the port (and so the issuer) is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def main() -> None:
    workdir, redirect_uris = sys.argv[1], sys.argv[2:]
    app = _App()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    issuer = f"http://127.0.0.1:{server.server_port}/o"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.identity.oidc_provider.settings",
        OIDC_PROVIDER_DB=os.path.join(workdir, "provider.sqlite3"),
        OIDC_PROVIDER_RSA_KEY=_pem(),
        OIDC_PROVIDER_OTHER_RSA_KEY=_pem(),
        OIDC_PROVIDER_ISSUER=issuer,
    )
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    for username, password, email, first, last in USERS:
        User.objects.create_user(username, email, password, first_name=first, last_name=last)
    for client_id in CLIENTS:
        Application.objects.create(
            name=client_id,
            client_id=client_id,
            client_secret=CLIENT_SECRET,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(redirect_uris),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
    app.app = get_wsgi_application()
    print("READY " + json.dumps({"issuer": issuer}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
