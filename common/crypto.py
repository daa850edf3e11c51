"""The crypto envelope.

- The master key (settings.MASTER_KEY) wraps secrets we must keep: refresh tokens,
  S3 secrets, and the tenant's own key.
- The tenant's AES-256 key wraps a random per-org data key.
- The data key encrypts every payload (AES-256-GCM, random 96-bit nonce).

Every ciphertext is `version byte | nonce | ciphertext+tag`; associated data binds a
ciphertext to its purpose so one cannot be swapped for another.

Key rotation (orgs/keys.py): an org whose key was rotated opens a `Keyring` instead of
one data key. A Keyring *is* bytes (its value is the org's hash root, the secret every
keyed hash and blind index is derived from, never used to encrypt after a rotation) and
carries the data keys still in use: `encrypt` with a Keyring writes with its newest key
and names it in the ciphertext (`version 2 | key id | nonce | ciphertext+tag`);
`decrypt` picks the key the ciphertext names (or tries each for a version 1 one).
"""

import base64
import binascii
import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"
_VERSION_KEYED = b"\x02"
_NONCE_BYTES = 12
KEY_ID_BYTES = 8
KEY_BYTES = 32


class CryptoError(Exception):
    """Raised when something cannot be decrypted: wrong key or damaged data."""


class InvalidTenantKey(ValueError):
    """The key a person typed is not base64 of exactly 32 bytes."""


def data_key_id(key: bytes) -> bytes:
    """The 8-byte name of a data key written into its ciphertexts (not reversible)."""
    return hashlib.sha256(b"orgvault-data-key-id:" + bytes(key)).digest()[:KEY_ID_BYTES]


class Keyring(bytes):
    """An org's keys after a rotation. `bytes(keyring)` is the hash root; `write_key`
    encrypts; `keys` ({key id: data key}) decrypt."""

    write_key: bytes
    keys: dict[bytes, bytes]

    def __new__(cls, root: bytes, *, write_key: bytes, read_keys=()):
        ring = super().__new__(cls, bytes(root))
        ring.write_key = bytes(write_key)
        ring.keys = {data_key_id(k): bytes(k) for k in (*read_keys, write_key)}
        return ring

    @property
    def write_id(self) -> bytes:
        return data_key_id(self.write_key)

    def __reduce__(self):
        readers = [k for k in self.keys.values() if k != self.write_key]
        return (_keyring, (bytes(self), self.write_key, readers))


def _keyring(root: bytes, write_key: bytes, readers: list[bytes]) -> "Keyring":
    return Keyring(root, write_key=write_key, read_keys=readers)


def writing_key_id(key: bytes) -> str:
    """Hex id of the data key `encrypt(key, ...)` writes with (stored next to segments)."""
    if isinstance(key, Keyring):
        return key.write_id.hex()
    return data_key_id(key).hex()


def ciphertext_key_id(blob: bytes) -> str:
    """Hex id of the data key a version 2 ciphertext names; "" for a version 1 one."""
    blob = bytes(blob[: 1 + KEY_ID_BYTES])
    if blob[:1] == _VERSION_KEYED and len(blob) == 1 + KEY_ID_BYTES:
        return blob[1:].hex()
    return ""


def encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    if isinstance(key, Keyring):
        sealed = AESGCM(key.write_key).encrypt(nonce, plaintext, aad)
        return _VERSION_KEYED + key.write_id + nonce + sealed
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    blob = bytes(blob)
    if blob[:1] == _VERSION_KEYED:
        key_id, rest = blob[1 : 1 + KEY_ID_BYTES], blob[1 + KEY_ID_BYTES :]
        ring = key.keys if isinstance(key, Keyring) else {data_key_id(key): bytes(key)}
        if key_id not in ring:
            raise CryptoError(
                "decryption failed: written with a key this org no longer holds "
                f"(key id {key_id.hex()})"
            )
        return _open(ring[key_id], rest, aad)
    if not blob or blob[:1] != _VERSION:
        raise CryptoError("unknown ciphertext format")
    candidates = list(key.keys.values()) if isinstance(key, Keyring) else [key]
    for candidate in candidates:
        try:
            return _open(candidate, blob[1:], aad)
        except CryptoError:
            continue
    raise CryptoError("decryption failed: wrong key or damaged data")


def _open(key: bytes, rest: bytes, aad: bytes) -> bytes:
    nonce, body = rest[:_NONCE_BYTES], rest[_NONCE_BYTES:]
    try:
        return AESGCM(bytes(key)).decrypt(nonce, body, aad)
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
