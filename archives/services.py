"""Writes for archives.

- `archive_start(*, org, template, empty_recycle_bin=False, created_by=None, name="",
  enqueue=True) -> Job` — queue a Templated Archive (jobs.services.job_start).
- `archive_confirm_check(*, org, confirmation) -> None` — a production org's run must
  be confirmed by typing the org's name (ValueError says what to type).
- `refusal_message(*, record) -> str` — Salesforce's message of a refused delete,
  unsealed with the org's data key.
- `archive_records_forget(*, org, records, **_) -> int` — vault.hooks.records_erasing:
  the per-record results of purged records go, and children forget a purged parent's Id.
- `archive_messages_reseal(*, org, data_key, **_) -> list[str]` — vault.hooks.key_retiring:
  refusal messages sealed with a key being retired are sealed again with the active key.
"""

from archives.models import ArchiveRecord
from archives.operations import ARCHIVE
from common.crypto import Keyring, ciphertext_key_id, decrypt, encrypt
from jobs.services import job_start
from orgs.keys import org_data_key


def archive_confirm_check(*, org, confirmation: str) -> None:
    if org.is_sandbox:
        return
    if (confirmation or "").strip() != org.name:
        raise ValueError(
            f"{org.name} is a production org: type its name exactly to confirm the archive "
            "(records will be deleted from Salesforce)."
        )


def archive_start(
    *,
    org,
    template,
    empty_recycle_bin: bool = False,
    created_by=None,
    name: str = "",
    description: str = "",
    enqueue: bool = True,
):
    return job_start(
        org=org,
        operation=ARCHIVE,
        name=name,
        template=template,
        settings={"empty_recycle_bin": empty_recycle_bin},
        created_by=created_by,
        description=description,
        enqueue=enqueue,
    )


def refusal_message(*, record: ArchiveRecord, data_key: bytes | None = None) -> str:
    if not record.message_sealed:
        return ""
    org = record.job.org
    key = data_key or org_data_key(org)
    return decrypt(key, bytes(record.message_sealed), f"archive-message:{org.pk}".encode()).decode()


def _message_aad(org_id: int) -> bytes:
    return f"archive-message:{org_id}".encode()


def archive_records_forget(*, org, records: dict[str, list[str]], **_) -> int:
    """Keeps no file: answers 0 (what the hook counts)."""
    for object_name, record_ids in records.items():
        for start in range(0, len(record_ids), 500):
            ids = record_ids[start : start + 500]
            ArchiveRecord.objects.filter(
                job__org=org, object_name=object_name, record_id__in=ids
            ).delete()
            ArchiveRecord.objects.filter(job__org=org, parent_id__in=ids).update(parent_id="")
    return 0


def archive_messages_reseal(*, org, data_key: bytes, **_) -> list[str]:
    active = data_key.write_id.hex() if isinstance(data_key, Keyring) else ""
    rows = ArchiveRecord.objects.filter(job__org=org, message_sealed__isnull=False)
    for pk, sealed in rows.values_list("pk", "message_sealed").iterator(chunk_size=1000):
        if not sealed or ciphertext_key_id(bytes(sealed)) == active:
            continue
        message = decrypt(data_key, bytes(sealed), _message_aad(org.pk))
        ArchiveRecord.objects.filter(pk=pk).update(
            message_sealed=encrypt(data_key, message, _message_aad(org.pk))
        )
    return []
