"""vault_verify: stored objects are read back, decrypted and checked against the database."""

import json

import pytest
from django.core.management import call_command

from tests.vault.test_vault import FIELDS, rec
from vault.metadata_services import MetadataComponent, MetadataWriter
from vault.models import Blob, IntegrityCheck, Segment
from vault.services import ObjectWriter, VaultRecord, blob_put, snapshot_begin, snapshot_publish
from vault.verify import vault_verify


def backup(org, job, data_key, *, with_file: bytes | None = None, metadata: bool = False):
    """One published snapshot: Accounts, optionally an Attachment whose body is a blob
    (referenced from the record, as backups do) and a metadata component."""
    snapshot = snapshot_begin(org=org, job=job)
    ObjectWriter(
        snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
    ).write([rec(f"A{i}", f"name {i}") for i in range(5)])
    if with_file is not None:
        blob, _ = blob_put(org=org, data_key=data_key, content=with_file)
        ObjectWriter(
            snapshot=snapshot,
            object_name="Attachment",
            fields=["Id", "Body"],
            data_key=data_key,
            job=job,
        ).write([VaultRecord(record_id="00P000000000001AAA", values=["00P", blob.storage_key])])
    if metadata:
        MetadataWriter(snapshot=snapshot, data_key=data_key, job=job).write(
            [
                MetadataComponent(
                    metadata_type="ApexClass",
                    full_name="Hello",
                    file_name="classes/Hello.cls",
                    properties={"id": "01p"},
                    files={"classes/Hello.cls": b"public class Hello {}"},
                )
            ]
        )
    assert snapshot_publish(snapshot=snapshot)
    return snapshot


def flip_byte(path, offset: int = 20) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_intact_vault_verifies(vault_org, data_key, make_job):
    backup(vault_org, make_job(), data_key, with_file=b"%PDF body", metadata=True)
    backup(vault_org, make_job(), data_key)
    report = vault_verify(org=vault_org, data_key=data_key)
    assert report.ok, report.problems
    # 5 accounts + 1 attachment in the first snapshot; the second changed nothing.
    assert (report.segments, report.records) == (2, 6)
    assert report.blobs == 2  # the attachment body and the Apex class file
    assert report.metadata_versions == 1


def test_flipped_bytes_in_a_segment_and_a_blob_are_reported_with_their_jobs(
    vault_org, data_key, make_job, vault_storage
):
    job1 = make_job()
    backup(vault_org, job1, data_key, with_file=b"attachment body " * 50)
    job2 = make_job()
    snapshot = snapshot_begin(org=vault_org, job=job2)
    ObjectWriter(
        snapshot=snapshot, object_name="Contact", fields=FIELDS, data_key=data_key, job=job2
    ).write([rec("C1", "c")])
    snapshot_publish(snapshot=snapshot)

    account_segment = Segment.objects.get(object_name="Account")
    flip_byte(vault_storage / account_segment.storage_key)
    blob = Blob.objects.get()
    flip_byte(vault_storage / blob.storage_key)

    report = vault_verify(org=vault_org, data_key=data_key)
    found = {(p.kind, p.storage_key): p for p in report.problems}
    assert set(found) == {("segment", account_segment.storage_key), ("blob", blob.storage_key)}
    assert found[("segment", account_segment.storage_key)].problem == "altered"
    assert found[("segment", account_segment.storage_key)].job_ids == [job1.pk]
    assert found[("blob", blob.storage_key)].problem == "altered"
    # The blob's writer is known from the Attachment record that references it.
    assert found[("blob", blob.storage_key)].job_ids == [job1.pk]


def test_missing_files_and_a_wrong_count_are_reported(vault_org, data_key, make_job, vault_storage):
    job = make_job()
    backup(vault_org, job, data_key, with_file=b"body", metadata=True)
    attachment = Segment.objects.get(object_name="Attachment")
    (vault_storage / attachment.storage_key).unlink()
    Segment.objects.filter(object_name="Account").update(record_count=7)

    problems = vault_verify(org=vault_org, data_key=data_key).problems
    kinds = sorted((p.kind, p.problem, p.detail) for p in problems)
    assert ("segment", "missing", "The segment file is missing from storage.") in kinds
    assert ("segment", "mismatch", "The segment holds 5 records; the database says 7.") in kinds
    assert len(problems) == 2


def test_a_record_hash_that_differs_is_reported(vault_org, data_key, make_job):
    from vault.models import RecordVersion

    backup(vault_org, make_job(), data_key)
    RecordVersion.objects.filter(record_id="A3").update(content_hash=b"\0" * 16)
    (problem,) = vault_verify(org=vault_org, data_key=data_key).problems
    assert problem.problem == "mismatch" and problem.object_name == "Account"
    assert problem.detail.startswith("1 record(s) do not match")


def test_sample_checks_only_n_of_each(vault_org, data_key, make_job):
    for _ in range(4):
        snapshot = snapshot_begin(org=vault_org, job=(job := make_job()))
        ObjectWriter(
            snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
        ).write([rec(f"A{snapshot.seq}", "x")])
        snapshot_publish(snapshot=snapshot)
    report = vault_verify(org=vault_org, data_key=data_key, sample=2)
    assert (report.segments, report.records, report.ok) == (2, 2, True)


def test_command_json_and_exit_status(vault_org, data_key, make_job, vault_storage, capsys):
    job = make_job()
    backup(vault_org, job, data_key)
    call_command("vault_verify", "--org", str(vault_org.pk), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["checked"]["records"] == 5
    assert IntegrityCheck.objects.get().ok

    flip_byte(vault_storage / Segment.objects.get().storage_key)
    with pytest.raises(SystemExit) as exit_info:
        call_command("vault_verify", "--org", str(vault_org.pk), "--json")
    assert exit_info.value.code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert [(p["kind"], p["problem"], p["job_ids"]) for p in data["problems"]] == [
        ("segment", "altered", [job.pk])
    ]
    latest = IntegrityCheck.objects.first()
    assert latest is not None and latest.problem_count == 1


def test_command_explains_an_unknown_org(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="There is no org with id 999999"):
        call_command("vault_verify", "--org", "999999")


def test_weekly_run_is_scheduled_and_checks_every_org(vault_org, data_key, make_job):
    from django_q.models import Schedule

    from vault.tasks import vault_verify_all_task

    schedule = Schedule.objects.get(func="vault.tasks.vault_verify_all_task")
    assert schedule.schedule_type == Schedule.WEEKLY and schedule.repeats == -1
    backup(vault_org, make_job(), data_key)
    assert vault_verify_all_task() == 0
    check = IntegrityCheck.objects.get(org=vault_org)
    assert check.ok and check.report["checked"]["records"] == 5
