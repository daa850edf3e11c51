"""A vault written before issue 14's speed work reads back identically, and its first
incremental after the upgrade stores nothing again.

tests/fixtures/vault/stored_before.json was made by make_stored_before.py at commit
e905f7e (before the work): awkward records (unicode, quotes, new lines, a long text, zero,
negative and huge numbers, dates, date-times, booleans, nulls) as the simulator sent them
through REST and Bulk API 2.0 CSV, with the values lines, keyed hashes and one sealed
segment that code made of them, under a fixed test data key.
"""

import base64
import csv
import json
from pathlib import Path

import pytest

from salesforce.reads import ObjectReader
from vault import codec
from vault.models import RecordVersion
from vault.services import (
    ObjectWriter,
    VaultRecord,
    snapshot_begin,
    snapshot_publish,
)

STORED = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "vault" / "stored_before.json").read_text()
)
OBJECTS = sorted(STORED["objects"])
DATA_KEY = bytes.fromhex(STORED["data_key_hex"])


@pytest.fixture
def data_key() -> bytes:
    """The vault_org fixture's data key: the one the stored hashes and segment were made with."""
    return DATA_KEY


def _rows(name: str) -> tuple[ObjectReader, list[list], list[list]]:
    """Today's reader, and the stored wire data typed by it: (reader, REST rows, CSV rows)."""
    stored = STORED["objects"][name]
    reader = ObjectReader(None, stored["describe"])  # type: ignore[arg-type]  # typing only
    rest = [reader.typed([r.get(f) for f in reader.fields]) for r in stored["rest_records"]]
    lines = stored["bulk_csv"].splitlines(keepends=True)
    bulk = [reader.typed_csv(row) for row in list(csv.reader(lines))[1:]]
    return reader, rest, bulk


@pytest.mark.parametrize("name", OBJECTS)
def test_todays_reader_makes_the_same_values_lines_and_hashes_from_rest_and_bulk(name):
    stored = STORED["objects"][name]
    _, rest, bulk = _rows(name)
    hash_key = codec.hash_key(DATA_KEY)

    for rows in (rest, bulk):
        lines = [codec.values_line(row) for row in rows]
        assert [line.decode() for line in lines] == stored["values_lines"]
        hashes = [codec.content_hash(hash_key, line + b"present").hex() for line in lines]
        assert hashes == stored["content_hashes"]


def test_a_segment_sealed_before_opens_and_decodes_to_the_same_records():
    segment = STORED["segment"]
    plaintext = codec.unseal(
        data_key=DATA_KEY,
        org_id=segment["org_id"],
        storage_key=segment["storage_key"],
        blob=base64.b64decode(segment["sealed_b64"]),
    )

    assert plaintext.decode() == segment["plaintext"]
    fields, records = codec.decode_segment(plaintext)
    reader, rest, _ = _rows("Account")
    assert fields == reader.fields
    assert [(rid, values) for rid, values in records] == [(row[0], row) for row in rest]


@pytest.mark.django_db
def test_the_first_incremental_after_the_upgrade_stores_no_new_version(vault_org, make_job):
    """The vault holds the versions the old code wrote (its hashes); today's writer, given
    the same records read through REST or through Bulk, finds every one unchanged."""
    old_job = make_job("Backup before the upgrade")
    old_snapshot = snapshot_begin(org=vault_org, job=old_job)
    for name in OBJECTS:
        stored = STORED["objects"][name]
        RecordVersion.objects.bulk_create(
            RecordVersion(
                org=vault_org,
                object_name=name,
                record_id=record["Id"],
                valid_from=old_snapshot.seq,
                content_hash=bytes.fromhex(digest),
                change=RecordVersion.Change.ADDED,
                job=old_job,
            )
            for record, digest in zip(stored["rest_records"], stored["content_hashes"], strict=True)
        )
    assert snapshot_publish(snapshot=old_snapshot)
    before = RecordVersion.objects.filter(org=vault_org).count()

    for source in ("REST", "Bulk"):
        job = make_job(f"Incremental through {source}")
        snapshot = snapshot_begin(org=vault_org, job=job)
        for name in OBJECTS:
            reader, rest, bulk = _rows(name)
            writer = ObjectWriter(
                snapshot=snapshot, object_name=name, fields=reader.fields,
                data_key=DATA_KEY, job=job,
            )  # fmt: skip
            rows = rest if source == "REST" else bulk
            result = writer.write(VaultRecord(record_id=row[0], values=row) for row in rows)
            assert (result.seen, result.added, result.changed) == (len(rows), 0, 0), (source, name)
        assert snapshot_publish(snapshot=snapshot)

    assert RecordVersion.objects.filter(org=vault_org).count() == before
