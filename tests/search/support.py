"""Run backups and searches inline; read what the vault and the database hold."""

from django.apps import apps
from django.db import connection

from jobs.services import job_run_inline
from orgs.services import org_data_key
from search.segments import read_segment_rows
from search.selectors import search_for_job
from search.services import search_start
from tests.backups.starts import backup_run_inline, backup_start
from vault.models import Segment


def run_backup(org, **kwargs):
    return backup_run_inline(job=backup_start(org=org, enqueue=False, **kwargs))


def run_search(org, object_name: str, filter_text: str, children=()):
    job = search_start(
        org=org, object_name=object_name, filter_text=filter_text, children=children,
        enqueue=False,
    )  # fmt: skip
    job = job_run_inline(job=job)
    assert job.status == "completed", job.error_message
    return search_for_job(job=job)


def database_holds(needle: str) -> list[str]:
    """Tables with a row holding `needle` (text or bytes) anywhere."""
    found = []
    raw = needle.encode()
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if (isinstance(value, str) and needle in value) or (
                        isinstance(value, bytes | memoryview) and raw in bytes(value)
                    ):
                        found.append(table)
                        break
    return sorted(set(found))


def files_holding(root, needle: str) -> list[str]:
    raw = needle.encode()
    return [str(p) for p in root.rglob("*") if p.is_file() and raw in p.read_bytes()]


def segments_plaintext(org) -> dict[str, list]:
    """{storage key: rows} of every remaining segment, decrypted."""
    key = org_data_key(org)
    return {
        segment.storage_key: read_segment_rows(org=org, segment=segment, data_key=key)[1]
        for segment in Segment.objects.filter(org=org)
    }
