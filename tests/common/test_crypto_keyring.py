"""common.crypto.Keyring: writes with its newest key and names it; reads what any of
its keys wrote (version 1 ciphertexts included); is its hash root as bytes; survives a
pickle (a task argument) intact."""

import hashlib
import hmac
import pickle

import pytest

from common.crypto import (
    CryptoError,
    Keyring,
    ciphertext_key_id,
    data_key_id,
    decrypt,
    encrypt,
    new_data_key,
)


def test_keyring_writes_with_the_new_key_and_reads_with_any():
    old, new, root = new_data_key(), new_data_key(), new_data_key()
    legacy = encrypt(old, b"written before the rotation", b"aad")
    assert legacy[:1] == b"\x01" and ciphertext_key_id(legacy) == ""
    ring = Keyring(root, write_key=new, read_keys=[old])
    fresh = encrypt(ring, b"written after", b"aad")
    assert ciphertext_key_id(fresh) == data_key_id(new).hex()
    assert decrypt(ring, legacy, b"aad") == b"written before the rotation"
    assert decrypt(ring, fresh, b"aad") == b"written after"
    assert decrypt(new, fresh, b"aad") == b"written after"  # the plain key opens it too
    with pytest.raises(CryptoError):
        decrypt(old, fresh, b"aad")
    with pytest.raises(CryptoError, match="no longer holds"):
        decrypt(Keyring(root, write_key=new_data_key()), fresh, b"aad")
    # Keyed hashes are derived from the root, whatever key writes.
    assert (
        hmac.new(ring, b"x", hashlib.sha256).digest()
        == hmac.new(root, b"x", hashlib.sha256).digest()
    )
    again = pickle.loads(pickle.dumps(ring))  # noqa: S301 — our own bytes
    assert isinstance(again, Keyring) and bytes(again) == root
    assert again.write_key == new and again.keys == ring.keys
