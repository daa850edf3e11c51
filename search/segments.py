"""Reading one segment of the vault: one decrypted segment in memory at a time."""

from common.storage import org_storage
from vault import codec


def read_segment_rows(*, org, segment, data_key: bytes, storage=None):
    """(fields, [(record_id, values), ...]) of one segment, in segment order."""
    storage = storage or org_storage(org)
    with storage.open(segment.storage_key, "rb") as handle:
        sealed = handle.read()
    plaintext = codec.unseal(
        data_key=data_key, org_id=org.pk, storage_key=segment.storage_key, blob=sealed
    )
    return codec.decode_segment(plaintext)
