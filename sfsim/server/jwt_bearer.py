"""The OAuth 2.0 JWT bearer grant (``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``).

A server-to-server login: the client signs a JWT with its private key; the connected app
holds the matching X.509 certificate (``sfsim jwt-cert --data DIR --cert FILE.pem``, kept
in ``<data>/jwt/<client_id>.crt``). Checked as Salesforce documents: RS256 signature,
``iss`` the connected app's client id, ``sub`` the username, ``aud`` a login URL (any
https URL is accepted: the simulator is its own login server), ``exp`` in the future and
at most 3 minutes away (plus a little clock skew). The answer has no refresh token.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_LIFETIME = 180
SKEW = 60


class JwtError(Exception):
    """``error`` / ``error_description`` as Salesforce's token endpoint answers them."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


def certificate_path(data_dir: str | Path, client_id: str) -> Path:
    return Path(data_dir) / "jwt" / f"{client_id}.crt"


def save_certificate(data_dir: str | Path, client_id: str, pem: bytes) -> Path:
    x509.load_pem_x509_certificate(pem)  # refuse anything that is not a certificate
    path = certificate_path(data_dir, client_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    return path


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify(assertion: str, data_dir: str | Path, find_client) -> tuple[str, str]:
    """(client_id, username) of a valid assertion; JwtError otherwise."""
    try:
        header_part, payload_part, signature_part = assertion.split(".")
        header = json.loads(_b64(header_part))
        claims = json.loads(_b64(payload_part))
        signature = _b64(signature_part)
    except (ValueError, binascii.Error):
        raise JwtError("invalid_grant", "invalid assertion") from None
    if not isinstance(header, dict) or header.get("alg") != "RS256" or not isinstance(claims, dict):
        raise JwtError("invalid_grant", "invalid assertion")
    client_id = str(claims.get("iss") or "")
    if not client_id or find_client(client_id) is None:
        raise JwtError("invalid_client_id", "client identifier invalid")
    path = certificate_path(data_dir, client_id)
    if not path.exists():
        raise JwtError("invalid_client", "invalid client credentials")
    public_key = x509.load_pem_x509_certificate(path.read_bytes()).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise JwtError("invalid_client", "invalid client credentials")
    try:
        public_key.verify(
            signature,
            f"{header_part}.{payload_part}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        raise JwtError("invalid_grant", "invalid assertion") from None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(isinstance(a, str) and a.startswith("https://") for a in audiences):
        raise JwtError("invalid_grant", "audience is invalid")
    now = time.time()
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires < now - SKEW:
        raise JwtError("invalid_grant", "expired authorization code")
    if expires > now + MAX_LIFETIME + SKEW:
        raise JwtError("invalid_grant", "invalid assertion: exp is too far in the future")
    username = str(claims.get("sub") or "")
    if not username:
        raise JwtError("invalid_grant", "user hasn't approved this consumer")
    return client_id, username
