"""Keyed blind indexes over record versions: equality and short-prefix lookups on the
fields people are found by, without storing any value in clear.

A token is HMAC-SHA256 (key: `index_key(data_key)`, derived from the org's data key
like vault.codec.hash_key) of "field\\0kind\\0normalised value". Values are normalised
per kind of field (emails and names: trimmed, case-folded, spaces collapsed; phones:
digits only). Prefix tokens are kept for the first 3, 5, 8 and 12 characters; a prefix
looks up the longest of those it reaches and the candidates are then checked against
the whole filter after decryption.

The index is built right after the versions, not with them: when a job that wrote
segments finishes (jobs.hooks.job_finished, search.receivers), a task indexes the org's
segments not indexed yet (`index_pending`), and a search first indexes whatever is still
pending of its object (`index_object`), so a result is never missing a version. Each
index row is a random key in a large B-tree: writing them inside the backup's batches
made a full backup of 300,000 records ~3x slower on SQLite (bench/RESULTS.md), so the
backup publishes first and the index follows. One decrypted segment in memory at a time.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable

from django.db import connection, transaction

from search.models import BlindIndexEntry, IndexedField, IndexedSegment
from search.segments import read_segment_rows
from vault.models import RecordVersion, Segment

DEFAULT_FIELDS = ("Email", "Name", "Phone", "FirstName", "LastName", "MobilePhone")
# Prefix tokens are kept for these lengths only (a few rows per value, so a backup can
# write them): a prefix is looked up at the longest of them it reaches, and the
# candidates are checked against the whole filter after decryption.
PREFIX_LENGTHS = (3, 5, 8, 12)
PREFIX_MIN = PREFIX_LENGTHS[0]
PREFIX_MAX = PREFIX_LENGTHS[-1]
EQUAL = BlindIndexEntry.Kind.EQUAL.value
PREFIX = BlindIndexEntry.Kind.PREFIX.value
_SPACES = re.compile(r"\s+")
_NOT_DIGITS = re.compile(r"\D+")


def index_key(data_key: bytes) -> bytes:
    return hmac.new(data_key, b"orgvault-blind-index", hashlib.sha256).digest()


def is_phone(field_name: str) -> bool:
    return "phone" in field_name.lower() or field_name.lower() == "fax"


def normalise(field_name: str, value) -> str:
    if value is None or isinstance(value, dict | list | bool):
        return ""
    text = str(value)
    if is_phone(field_name):
        return _NOT_DIGITS.sub("", text)
    return _SPACES.sub(" ", text.strip()).casefold()


def token(key: bytes, field_name: str, kind: str, normalised: str) -> bytes:
    message = f"{field_name}\0{kind}\0{normalised}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def prefix_length(length: int) -> int:
    """The indexed prefix length a prefix of `length` characters is looked up with."""
    return max((n for n in PREFIX_LENGTHS if n <= length), default=0)


def tokens_for(key: bytes, field_name: str, value) -> list[tuple[str, bytes]]:
    text = normalise(field_name, value)
    if not text:
        return []
    base = hmac.new(key, digestmod=hashlib.sha256)

    def digest(kind: str, part: str) -> bytes:
        mac = base.copy()
        mac.update(f"{field_name}\0{kind}\0{part}".encode())
        return mac.digest()

    found = [(EQUAL, digest("eq", text))]
    for length in PREFIX_LENGTHS:
        if length > len(text):
            break
        found.append((PREFIX, digest("p", text[:length])))
    return found


def indexed_fields(*, org, object_name: str) -> set[str]:
    marked = IndexedField.objects.filter(org=org, object_name=object_name).values_list(
        "field_name", flat=True
    )
    return set(DEFAULT_FIELDS) | set(marked)


def index_segment(*, org, segment: Segment, data_key: bytes, fields: set[str]) -> int:
    """Index one segment's versions (decrypting it); returns the entries written."""
    header, rows = read_segment_rows(org=org, segment=segment, data_key=data_key)
    return _index_rows(org, segment, header, rows, data_key, fields)


def _index_rows(org, segment: Segment, header, rows, data_key: bytes, fields: set[str]) -> int:
    key = index_key(data_key)
    columns = [(i, name) for i, name in enumerate(header) if name in fields]
    versions = dict(
        RecordVersion.objects.filter(segment=segment).values_list("segment_index", "pk")
    )
    entries = []
    org_id, object_name = org.pk, segment.object_name
    for index, (_, values) in enumerate(rows):
        version_id = versions.get(index)
        if version_id is None:
            continue
        for column, name in columns:
            if column >= len(values):
                continue
            for kind, digest in tokens_for(key, name, values[column]):
                entries.append((org_id, object_name, name, kind, digest, version_id))
    with transaction.atomic():
        if IndexedSegment.objects.filter(segment=segment).exists():
            return 0
        # A rewritten segment (purge, retention) holds versions indexed before: replace.
        BlindIndexEntry.objects.filter(version_id__in=list(versions.values())).delete()
        _insert_entries(entries)
        IndexedSegment.objects.create(segment=segment, fields=sorted(n for _, n in columns))
    return len(entries)


def _insert_entries(rows: list[tuple]) -> None:
    """One executemany (the ORM's bulk_create costs more than the HMACs at backup time)."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(BlindIndexEntry._meta.db_table)
    columns = ", ".join(
        ops.quote_name(c)
        for c in ("org_id", "object_name", "field_name", "kind", "token", "version_id")
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
            rows,
        )


def pending_segments(*, org):
    """The org's segments of published or building snapshots not indexed yet."""
    return Segment.objects.filter(org=org).exclude(
        pk__in=IndexedSegment.objects.values("segment_id")
    )


def index_object(*, org, object_name: str, data_key: bytes) -> int:
    fields = indexed_fields(org=org, object_name=object_name)
    written = 0
    pending = pending_segments(org=org).filter(object_name=object_name).order_by("pk")
    for segment in pending.iterator():
        written += index_segment(org=org, segment=segment, data_key=data_key, fields=fields)
    return written


def index_pending(*, org, data_key: bytes) -> dict[str, int]:
    """Index every segment of the org not indexed yet: {object: index rows written}."""
    names = pending_segments(org=org).values_list("object_name", flat=True).distinct()
    return {
        name: index_object(org=org, object_name=name, data_key=data_key)
        for name in sorted(set(names))
    }


def lookup(
    *, org, object_name: str, field_name: str, kind: str, value, data_key: bytes
) -> Iterable[int]:
    """Ids of versions whose field matches (equality, or starts with `value`)."""
    text = normalise(field_name, value)
    if kind == BlindIndexEntry.Kind.PREFIX:
        text = text[: prefix_length(len(text))]
    digest = token(index_key(data_key), field_name, kind, text)
    return (
        BlindIndexEntry.objects.filter(
            org=org, object_name=object_name, field_name=field_name, kind=kind, token=digest
        )
        .values_list("version_id", flat=True)
        .distinct()
    )
