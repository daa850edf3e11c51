"""Sealed streams: frames round-trip, and a cut or tampered file is refused."""

import pytest
from django.core.files.storage import FileSystemStorage

from common.crypto import new_data_key
from exports import sealed
from vault.codec import VaultKeyError


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(location=str(tmp_path))


def write(storage, key: bytes, data: bytes, name: str = "x/file.sealed") -> None:
    sink = sealed.SealedWriter(data_key=key, org_id=7, storage_key=name)
    for start in range(0, len(data), 1000):
        sink.write(data[start : start + 1000])
    sink.save(storage)


def read(storage, key: bytes, name: str = "x/file.sealed", org_id: int = 7) -> bytes:
    return b"".join(
        sealed.read_plaintext(storage=storage, storage_key=name, data_key=key, org_id=org_id)
    )


def test_many_frames_round_trip_and_nothing_is_clear(storage, tmp_path, monkeypatch):
    monkeypatch.setattr(sealed, "FRAME_BYTES", 4096)
    key = new_data_key()
    data = b"".join(f"row {n}, Secret Name {n}\n".encode() for n in range(3000))
    write(storage, key, data)
    stored = (tmp_path / "x/file.sealed").read_bytes()
    assert b"Secret Name" not in stored
    assert read(storage, key) == data
    frames = list(
        sealed.read_plaintext(storage=storage, storage_key="x/file.sealed", data_key=key, org_id=7)
    )
    assert len(frames) > 10 and max(len(f) for f in frames) <= 4096


def test_cut_file_wrong_org_or_wrong_key_are_refused(storage, tmp_path, monkeypatch):
    monkeypatch.setattr(sealed, "FRAME_BYTES", 4096)
    key = new_data_key()
    write(storage, key, b"x" * 20_000)
    path = tmp_path / "x/file.sealed"
    whole = path.read_bytes()
    with pytest.raises(VaultKeyError):
        read(storage, new_data_key())
    with pytest.raises(VaultKeyError):
        read(storage, key, org_id=8)
    # Drop the last frame: the one before it is not the end frame.
    first_length = int.from_bytes(whole[:4], "big")
    path.write_bytes(whole[: 4 + first_length])
    with pytest.raises(sealed.SealedStreamError):
        read(storage, key)
    path.write_bytes(whole[:-10])
    with pytest.raises(sealed.SealedStreamError):
        read(storage, key)
