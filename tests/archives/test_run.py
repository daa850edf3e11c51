"""An archive run against the simulator over HTTPS: Contacts (filtered by a unique last
name) with their Tasks, Notes, Attachments (file bodies) and Cases; the org no longer
holds what was archived and not retained, the vault holds every record with every field
and body, refusals come back per record with Salesforce's message, and the counts are
exact."""

import base64

from archives.models import ArchiveRecord
from archives.selectors import archived_payloads
from archives.services import refusal_message
from jobs.models import Job
from object_templates.models import ObjectTemplate
from tests.archives.conftest import command, live_ids, write_json
from vault.models import RecordVersion


def make_contacts(sf, marker: str, n: int = 3) -> dict:
    made: dict[str, list[str]] = {"Contact": [], "Task": [], "Note": [], "Attachment": []}
    for i in range(n):
        cid = sf.Contact.create({"LastName": f"{marker} {i}", "Email": f"p{i}@example.org"})["id"]
        made["Contact"].append(cid)
        made["Task"].append(sf.Task.create({"Subject": f"Call {i}", "WhoId": cid})["id"])
        made["Note"].append(sf.Note.create({"Title": f"Note {i}", "ParentId": cid})["id"])
        body = base64.b64encode(f"file body {marker} {i}".encode()).decode()
        made["Attachment"].append(
            sf.Attachment.create({"Name": f"f{i}.txt", "Body": body, "ParentId": cid})["id"]
        )
    return made


def spec(marker: str, **contact) -> dict:
    return {
        "name": f"Archive {marker}",
        "objects": [{"name": "Contact", "filter": {"soql": f"LastName LIKE '{marker}%'"},
                     **contact}],
    }  # fmt: skip


def test_archive_deletes_what_it_verified_and_the_vault_holds_every_field_and_body(
    archive_org, sf, marker, tmp_path
):
    made = make_contacts(sf, marker)
    # A Contact with a Case the archive does not select: Salesforce refuses its delete.
    refused_contact = made["Contact"][0]
    case_id = sf.Case.create({"Subject": "Open", "ContactId": refused_contact})["id"]
    # ...then narrow the Cases the archive takes to none, so the refusal is Salesforce's.
    created = command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
                      write_json(tmp_path, spec(marker, children=[
                          {"name": "Case", "relationship": "Cases",
                           "filter": {"soql": "Subject = 'never matches'"}}])))  # fmt: skip
    children = {c["name"]: c for c in created["objects"][0]["children"]}
    assert {"Task", "Note", "Attachment", "Case"} <= set(children)
    assert children["Task"]["locked"] and children["Task"]["dependency"] == "cascade"
    assert children["Case"]["dependency"] == "restrict"
    assert created["plan"]["Task"]["action"] == "cascade"

    preview = command("archive_preview", "--org", str(archive_org.pk), "--template",
                      f"Archive {marker}")  # fmt: skip
    rows = {r["object"]: r for r in preview["objects"]}
    assert rows["Contact"]["archive"] == 3
    assert rows["Contact"]["refused"] == 1  # asked of the org: the Contact with a Case
    assert rows["Contact"]["delete_direct"] == 2
    assert rows["Task"]["delete_cascade"] == 3
    assert preview["api_calls"] > 0

    result = command("archive_run", "--org", str(archive_org.pk), "--template",
                     f"Archive {marker}", "--wait", "--confirm", archive_org.name)  # fmt: skip
    assert result["status"] == Job.Status.COMPLETED
    objects = result["objects"]
    assert objects["Contact"]["archived"] == 3
    assert objects["Contact"]["deleted"] == 2 and objects["Contact"]["refused"] == 1
    assert objects["Task"]["deleted"] == 2 and objects["Task"]["kept"] == 1
    assert objects["Attachment"]["deleted"] == 2
    assert result["api_calls"] > 0

    # The org: the refused Contact (and what hangs off it) stays; the rest is gone.
    where = f"LastName LIKE '{marker}%'"
    assert live_ids(sf, "Contact", where) == {refused_contact}
    tasks = f"WhoId IN (SELECT Id FROM Contact WHERE {where})"  # noqa: S608
    assert live_ids(sf, "Task", tasks) == {made["Task"][0]}
    assert case_id in live_ids(sf, "Case", f"Id = '{case_id}'")
    job = Job.objects.get(pk=result["job_id"])
    refused = ArchiveRecord.objects.get(job=job, record_id=refused_contact)
    assert refused.error_code == "DELETE_FAILED"
    assert "associated with" in refusal_message(record=refused)

    # The vault: every record with every field, every body, readable back.
    payloads = archived_payloads(job=job, object_name="Contact", record_ids=made["Contact"])
    assert {payloads[c]["LastName"] for c in made["Contact"]} == {f"{marker} {i}" for i in range(3)}
    assert all(p["Email"].endswith("@example.org") for p in payloads.values())
    states = set(
        RecordVersion.objects.filter(job=job, object_name="Contact").values_list("state", flat=True)
    )
    assert states == {RecordVersion.State.ARCHIVED}
    from orgs.keys import org_data_key
    from vault.selectors import blob_read

    files = archived_payloads(job=job, object_name="Attachment", record_ids=made["Attachment"])
    bodies = {
        blob_read(org=archive_org, blob_key=p["Body"], data_key=org_data_key(archive_org))
        for p in files.values()
    }
    assert bodies == {f"file body {marker} {i}".encode() for i in range(3)}
    assert ObjectTemplate.objects.get(name=f"Archive {marker}").kind == "archive"


def archive_contacts_keeping_cases(archive_org, tmp_path, marker) -> dict:
    """Archive the marker's Contacts with their Cases as a child no record matches, so a
    Contact with a Case is one Salesforce refuses to delete."""
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec(marker, children=[
                {"name": "Case", "relationship": "Cases",
                 "filter": {"soql": "Subject = 'never matches'"}}])))  # fmt: skip
    return command("archive_run", "--org", str(archive_org.pk), "--template",
                   f"Archive {marker}", "--wait", "--confirm", archive_org.name)  # fmt: skip


def test_big_objects_are_deleted_through_bulk_api_with_refusals_per_record(
    archive_org, sf, marker, tmp_path, monkeypatch
):
    import archives.engine

    monkeypatch.setattr(archives.engine, "BULK_DELETE_THRESHOLD", 2)
    made = make_contacts(sf, marker, n=4)
    refused_contact = made["Contact"][1]
    sf.Case.create({"Subject": "Open", "ContactId": refused_contact})
    result = archive_contacts_keeping_cases(archive_org, tmp_path, marker)
    assert result["status"] == Job.Status.COMPLETED
    assert result["objects"]["Contact"]["deleted"] == 3
    assert result["objects"]["Contact"]["refused"] == 1
    job = Job.objects.get(pk=result["job_id"])
    assert job.logs.filter(message__startswith="Contact: deleting with Bulk API 2.0").exists()
    refused = ArchiveRecord.objects.get(job=job, record_id=refused_contact)
    assert refused.error_code == "DELETE_FAILED"
    assert "associated with" in refusal_message(record=refused)
    assert live_ids(sf, "Contact", f"LastName LIKE '{marker}%'") == {refused_contact}


def test_a_bulk_delete_job_gathers_checked_chunks_and_writes_its_outcomes_in_parts(
    archive_org, sf, marker, tmp_path, monkeypatch
):
    """The delete stage checks CHECK_IDS * CHECK_QUERIES records at a time (here 2) and
    gathers them into Bulk jobs of at most BULK_DELETE_SIZE Ids (here 5) whose outcomes
    are written OUTCOME_ROWS at a time (here 2): 7 Contacts go in two jobs (4 + 3 Ids),
    the one Salesforce refuses stays, and the counts are exact."""
    import archives.engine
    from salesforce import writes

    for knob, value in (("BULK_DELETE_THRESHOLD", 2), ("BULK_DELETE_SIZE", 5),
                        ("CHECK_IDS", 1), ("CHECK_QUERIES", 2), ("OUTCOME_ROWS", 2)):  # fmt: skip
        monkeypatch.setattr(archives.engine, knob, value)
    jobs: list[tuple[str, list[str]]] = []
    real_bulk_delete = writes.bulk_delete

    def bulk_delete(client, object_name, ids, **kwargs):
        jobs.append((object_name, list(ids)))
        return real_bulk_delete(client, object_name, ids, **kwargs)

    monkeypatch.setattr(writes, "bulk_delete", bulk_delete)
    made = make_contacts(sf, marker, n=7)
    refused_contact = made["Contact"][3]
    sf.Case.create({"Subject": "Open", "ContactId": refused_contact})
    result = archive_contacts_keeping_cases(archive_org, tmp_path, marker)
    assert result["status"] == Job.Status.COMPLETED
    contact_jobs = [ids for name, ids in jobs if name == "Contact"]
    assert [len(ids) for ids in contact_jobs] == [4, 3]
    assert sorted(i for ids in contact_jobs for i in ids) == sorted(made["Contact"])
    assert result["objects"]["Contact"]["deleted"] == 6
    assert result["objects"]["Contact"]["refused"] == 1
    job = Job.objects.get(pk=result["job_id"])
    outcomes = ArchiveRecord.objects.filter(job=job, object_name="Contact")
    assert outcomes.filter(outcome=ArchiveRecord.Outcome.DELETED).count() == 6
    assert outcomes.get(record_id=refused_contact).error_code == "DELETE_FAILED"
    assert live_ids(sf, "Contact", f"LastName LIKE '{marker}%'") == {refused_contact}


def test_a_record_whose_delete_would_take_unarchived_children_is_not_deleted(
    archive_org, sf, marker, tmp_path
):
    """Contact -> Case (restricted: archived and deleted first) -> a Task about the Case
    (WhatId; deleted by Salesforce with its Case) that the archive does not hold (its
    Tasks are the Contact's, through WhoId): the Case is not deleted, so Salesforce
    refuses the Contact's delete too; the Task is never lost."""
    made = make_contacts(sf, marker, n=2)
    with_comments = made["Contact"][0]
    case = sf.Case.create({"Subject": "With a task", "ContactId": with_comments})["id"]
    comment = sf.Task.create({"Subject": "About the case", "WhatId": case})["id"]
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec(marker)))  # fmt: skip
    result = command("archive_run", "--org", str(archive_org.pk), "--template",
                     f"Archive {marker}", "--wait", "--confirm", archive_org.name)  # fmt: skip
    assert result["status"] == Job.Status.COMPLETED
    job = Job.objects.get(pk=result["job_id"])
    blocked = ArchiveRecord.objects.get(job=job, record_id=case)
    assert blocked.outcome == ArchiveRecord.Outcome.REFUSED
    assert blocked.error_code == "CHILD_NOT_ARCHIVED"
    assert "Task" in refusal_message(record=blocked)
    assert ArchiveRecord.objects.get(job=job, record_id=with_comments).error_code == "DELETE_FAILED"
    assert live_ids(sf, "Task", f"Id = '{comment}'") == {comment}
    assert live_ids(sf, "Contact", f"LastName LIKE '{marker}%'") == {with_comments}
    assert result["objects"]["Contact"]["deleted"] == 1


def test_children_of_a_deleted_child_are_archived_and_counted_in_cascade(
    archive_org, sf, marker, tmp_path
):
    """Contact -> Case (deleted before its Contact) -> CaseComment (Salesforce deletes it
    with the Case): the comment is archived too, read through its Case's Id."""
    made = make_contacts(sf, marker, n=1)
    case = sf.Case.create({"Subject": "Closed", "ContactId": made["Contact"][0]})["id"]
    comment = sf.CaseComment.create({"ParentId": case, "CommentBody": "the answer"})["id"]
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec(marker)))  # fmt: skip
    result = command("archive_run", "--org", str(archive_org.pk), "--template",
                     f"Archive {marker}", "--wait", "--confirm", archive_org.name)  # fmt: skip
    assert result["status"] == Job.Status.COMPLETED
    assert result["objects"]["Case"]["deleted"] == 1
    assert result["objects"]["CaseComment"]["cascade_deleted"] == 1
    assert live_ids(sf, "CaseComment", f"Id = '{comment}'") == set()
    job = Job.objects.get(pk=result["job_id"])
    payload = archived_payloads(job=job, object_name="CaseComment", record_ids=[comment])
    assert payload[comment]["CommentBody"] == "the answer"
    assert ArchiveRecord.objects.get(job=job, record_id=comment).parent_id == case
