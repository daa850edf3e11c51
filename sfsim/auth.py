"""Users, connected apps, passwords and tokens (the data side of OAuth and SOAP login)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PERMISSIONS = ("ApiEnabled", "ViewAllData", "ModifyAllData", "QueryAllFiles", "SetAuditFields")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class SimUser:
    """A user of one org: ``id`` is the 005 record Id of its User record."""

    id: str
    username: str
    org_id: str
    name: str
    email: str
    profile_id: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class ConnectedApp:
    """An org's OAuth client. Redirect URIs: any http(s) URL on a loopback host, plus
    ``redirect_uris`` exactly."""

    client_id: str
    client_secret: str
    org_id: str
    name: str = "OrgVault"
    redirect_uris: tuple[str, ...] = field(default_factory=tuple)

    def accepts_redirect(self, uri: str) -> bool:
        if uri in self.redirect_uris:
            return True
        parts = urlsplit(uri)
        return parts.scheme in ("http", "https") and (parts.hostname or "") in LOOPBACK_HOSTS

    def check_secret(self, secret: str | None) -> bool:
        return secret is not None and hmac.compare_digest(secret, self.client_secret)


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20_000).hex()
    return f"{salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    salt, _, _digest = stored.partition("$")
    return hmac.compare_digest(hash_password(password, salt), stored)


def new_password() -> str:
    return "Sf" + secrets.token_urlsafe(12)


def new_client_id() -> str:
    return "3MVG9" + secrets.token_urlsafe(60).replace("-", "A").replace("_", "B")[:80]


def new_token(org_id: str) -> str:
    """Salesforce-looking session token: <15-char org Id>!<random>."""
    return f"{org_id[:15]}!" + secrets.token_urlsafe(72)
