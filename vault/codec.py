"""Segment and blob encoding: serialize -> zstandard -> AES-256-GCM (common.crypto).

A segment's plaintext is JSON lines: a header `{"object": ..., "fields": [...]}`
then one line per record, `[record_id, [value, value, ...]]` in the header's field
order. The associated data binds a ciphertext to its org and storage key, so a segment
cannot be swapped for another one.

Record hashes are keyed (BLAKE2b with a key derived from the org's data key), so the
database holds no hash that could be checked against guessed content.
"""

import hashlib
import hmac
import json

import zstandard

from common.crypto import CryptoError, decrypt, encrypt

HASH_BYTES = 16
_ZSTD_LEVEL = 3
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class VaultKeyError(CryptoError):
    """The data key given cannot decrypt this org's vault (wrong tenant key)."""


def hash_key(data_key: bytes) -> bytes:
    return hmac.new(data_key, b"orgvault-record-hash", hashlib.sha256).digest()


def values_line(values: list) -> bytes:
    return _dumps(values).encode()


def content_hash(key: bytes, payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=HASH_BYTES, key=key).digest()


def _aad(org_id: int, storage_key: str) -> bytes:
    return f"orgvault:{org_id}:{storage_key}".encode()


def seal(*, data_key: bytes, org_id: int, storage_key: str, plaintext: bytes) -> bytes:
    compressed = zstandard.ZstdCompressor(level=_ZSTD_LEVEL).compress(plaintext)
    return encrypt(data_key, compressed, aad=_aad(org_id, storage_key))


def unseal(*, data_key: bytes, org_id: int, storage_key: str, blob: bytes) -> bytes:
    try:
        compressed = decrypt(data_key, blob, aad=_aad(org_id, storage_key))
    except CryptoError:
        raise VaultKeyError(
            "This backup cannot be decrypted with the org's current encryption key. "
            "Check that the tenant key entered for this org is the one used to back it up."
        ) from None
    return zstandard.ZstdDecompressor().decompress(compressed)


def encode_segment(object_name: str, fields: list[str], lines: list[bytes]) -> bytes:
    """Plaintext of a segment; `lines` are `record_line()` outputs."""
    header = _dumps({"object": object_name, "fields": fields}).encode()
    return b"\n".join([header, *lines])


def record_line(record_id: str, values_json: bytes) -> bytes:
    return b'["' + record_id.encode() + b'",' + values_json + b"]"


def decode_segment(plaintext: bytes) -> tuple[list[str], list[tuple[str, list]]]:
    """(fields, [(record_id, values), ...]) in segment order."""
    lines = plaintext.split(b"\n")
    header = json.loads(lines[0])
    rows = [tuple(json.loads(line)) for line in lines[1:]]
    return header["fields"], rows
