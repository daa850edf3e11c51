"""Sealed streams: a file of record data written to storage in encrypted frames.

Each frame is a 4-byte big-endian length then `vault.codec.seal(...)` of up to
FRAME_BYTES of plaintext; a frame's associated data names its storage key, its index
and (for the last one) an end mark, so frames cannot be reordered, swapped between
files or cut off without the reader noticing. Writing and reading hold one frame in
memory, whatever the size of the file.
"""

import struct
import tempfile
from collections.abc import Iterator
from typing import IO

from django.core.files import File

from vault import codec

FRAME_BYTES = 1024 * 1024
_LENGTH = struct.Struct(">I")


class SealedStreamError(Exception):
    """The stored file is cut short or was not written as a sealed stream."""


def _frame_key(storage_key: str, index: int, last: bool) -> str:
    return f"{storage_key}#{index}{'#end' if last else ''}"


class SealedWriter:
    """A write-only, non-seekable binary stream (zipfile writes to it) that seals frames
    into a temporary file; `save(storage)` stores it under `storage_key`."""

    def __init__(self, *, data_key: bytes, org_id: int, storage_key: str):
        self.data_key = data_key
        self.org_id = org_id
        self.storage_key = storage_key
        self.buffer = bytearray()
        self.index = 0
        self.closed_frames = False
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 — closed in save()

    def write(self, data: bytes, /) -> int:
        self.buffer += data
        while len(self.buffer) >= FRAME_BYTES:
            self._emit(bytes(self.buffer[:FRAME_BYTES]), last=False)
            del self.buffer[:FRAME_BYTES]
        return len(data)

    def flush(self) -> None:
        """Frames are cut by size only; flushing writes nothing early."""

    def close(self) -> None:
        """zipfile may close its stream; `save` or `discard` ends this one."""

    def _emit(self, plaintext: bytes, *, last: bool) -> None:
        sealed = codec.seal(
            data_key=self.data_key,
            org_id=self.org_id,
            storage_key=_frame_key(self.storage_key, self.index, last),
            plaintext=plaintext,
        )
        self.file.write(_LENGTH.pack(len(sealed)))
        self.file.write(sealed)
        self.index += 1

    def save(self, storage) -> int:
        """Seal the rest, store the file (replacing one of the same name); its byte size."""
        if not self.closed_frames:
            self._emit(bytes(self.buffer), last=True)
            self.buffer.clear()
            self.closed_frames = True
        size = self.file.tell()
        self.file.seek(0)
        try:
            if storage.exists(self.storage_key):
                storage.delete(self.storage_key)
            saved = storage.save(self.storage_key, File(self.file, name=self.storage_key))
        finally:
            self.file.close()
        if saved != self.storage_key:
            raise SealedStreamError(f"The storage renamed {self.storage_key} to {saved}.")
        return size

    def discard(self) -> None:
        self.file.close()


def _opens_as_middle(sealed: bytes, data_key: bytes, org_id: int, storage_key: str) -> bool:
    try:
        codec.unseal(
            data_key=data_key, org_id=org_id, storage_key=_frame_key(storage_key, 0, False),
            blob=sealed,
        )  # fmt: skip
    except codec.VaultKeyError:
        return False
    return True


def read_plaintext(*, storage, storage_key: str, data_key: bytes, org_id: int) -> Iterator[bytes]:
    """The plaintext of a sealed stream, frame by frame."""
    with storage.open(storage_key, "rb") as handle:
        index = 0
        header = handle.read(_LENGTH.size)
        while True:
            if len(header) != _LENGTH.size:
                raise SealedStreamError("The export file is cut short.")
            (length,) = _LENGTH.unpack(header)
            sealed = handle.read(length)
            if len(sealed) != length:
                raise SealedStreamError("The export file is cut short.")
            header = handle.read(_LENGTH.size)
            last = not header
            try:
                plaintext = codec.unseal(
                    data_key=data_key,
                    org_id=org_id,
                    storage_key=_frame_key(storage_key, index, last),
                    blob=sealed,
                )
            except codec.VaultKeyError:
                if index == 0 and not (
                    last and _opens_as_middle(sealed, data_key, org_id, storage_key)
                ):
                    raise  # the first frame: the key (or the org) is wrong
                raise SealedStreamError("The export file is cut short or was altered.") from None
            yield plaintext
            if last:
                return
            index += 1


def sealed_stream_reseal(*, storage, storage_key: str, data_key: bytes, org_id: int) -> int:
    """Seal a stored stream again with `data_key`'s active key (a key rotation): read with
    whichever key sealed it, written frame by frame under the same name. Its byte size."""
    writer = SealedWriter(data_key=data_key, org_id=org_id, storage_key=storage_key)
    try:
        for plaintext in read_plaintext(
            storage=storage, storage_key=storage_key, data_key=data_key, org_id=org_id
        ):
            writer.write(plaintext)
    except Exception:
        writer.discard()
        raise
    return writer.save(storage)
