"""Writes for archives.

- `archive_start(*, org, template, empty_recycle_bin=False, created_by=None, name="",
  enqueue=True) -> Job` — queue a Templated Archive (jobs.services.job_start).
- `archive_confirm_check(*, org, confirmation) -> None` — a production org's run must
  be confirmed by typing the org's name (ValueError says what to type).
- `refusal_message(*, record) -> str` — Salesforce's message of a refused delete,
  unsealed with the org's data key.
"""

from archives.models import ArchiveRecord
from archives.operations import ARCHIVE
from common.crypto import decrypt
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
