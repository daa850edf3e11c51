"""The crypto envelope.

- The master key (settings.MASTER_KEY) wraps secrets we must keep: refresh tokens,
  S3 secrets, and the tenant's own key.
- The tenant's AES-256 key wraps a random per-org data key.
- The data key encrypts every payload (AES-256-GCM, random 96-bit nonce).

Every ciphertext is `version byte | nonce | ciphertext+tag`; associated data binds a
ciphertext to its purpose so one cannot be swapped for another.
"""

import base64
import binascii
import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"
_NONCE_BYTES = 12
KEY_BYTES = 32


class CryptoError(Exception):
    """Raised when something cannot be decrypted: wrong key or damaged data."""


class InvalidTenantKey(ValueError):
    """The key a person typed is not base64 of exactly 32 bytes."""


def encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    blob = bytes(blob)
    if not blob or blob[:1] != _VERSION:
        raise CryptoError("unknown ciphertext format")
    nonce, body = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise CryptoError("decryption failed: wrong key or damaged data") from None


# --- secrets wrapped with the master key -------------------------------------------


def wrap_secret(plaintext: str | bytes, purpose: str) -> bytes:
    data = plaintext.encode() if isinstance(plaintext, str) else plaintext
    return encrypt(settings.MASTER_KEY, data, aad=purpose.encode())


def unwrap_secret(blob: bytes, purpose: str) -> bytes:
    return decrypt(settings.MASTER_KEY, blob, aad=purpose.encode())


# --- the tenant key and the per-org data key ----------------------------------------


def parse_tenant_key(text: str) -> bytes:
    """Decode a pasted key, or explain what is wrong with it."""
    cleaned = "".join(text.split())
    try:
        key = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidTenantKey(
            "The encryption key is not valid base64. Paste the 44-character key exactly."
        ) from None
    if len(key) != KEY_BYTES:
        raise InvalidTenantKey(
            f"The encryption key must be 32 bytes (44 base64 characters); this one is "
            f"{len(key)} bytes."
        )
    return key


def generate_tenant_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_fingerprint(key: bytes) -> str:
    """A short, non-reversible name for a key, safe to show and store."""
    return hashlib.sha256(b"orgvault-key-fingerprint:" + key).hexdigest()[:32]


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def wrap_data_key(tenant_key: bytes, data_key: bytes) -> bytes:
    return encrypt(tenant_key, data_key, aad=b"org-data-key")


def unwrap_data_key(tenant_key: bytes, wrapped: bytes) -> bytes:
    try:
        return decrypt(tenant_key, wrapped, aad=b"org-data-key")
    except CryptoError:
        raise CryptoError(
            "The encryption key does not match this org's data: it cannot be decrypted."
        ) from None
