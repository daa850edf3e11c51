"""Restoring an archive through the restore workflow (type Archive) brings the archived
records back with their relationships: records still in the Recycle Bin are undeleted
with their Ids; after the Recycle Bin was emptied they are re-created, parents first,
with the children's lookups pointing at the new parents."""

import base64

import pytest

from jobs.models import Job
from tests.archives.conftest import command, live_ids, write_json


@pytest.mark.parametrize("empty_bin", [False, True])
def test_restoring_an_archive_brings_the_records_back_with_their_relationships(
    archive_org, sf, marker, tmp_path, empty_bin
):
    contacts = [sf.Contact.create({"LastName": f"{marker} {i}"})["id"] for i in range(2)]
    tasks = {c: sf.Task.create({"Subject": f"Call {marker}", "WhoId": c})["id"] for c in contacts}
    body = base64.b64encode(b"note body").decode()
    for c in contacts:
        sf.Attachment.create({"Name": "n.txt", "ParentId": c, "Body": body})
    spec = {"name": f"R {marker}",
            "objects": [{"name": "Contact", "filter": {"soql": f"LastName LIKE '{marker}%'"}}]}  # fmt: skip
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec))  # fmt: skip
    run = ["archive_run", "--org", str(archive_org.pk), "--template", f"R {marker}", "--wait",
           "--confirm", archive_org.name] + (["--empty-recycle-bin"] if empty_bin else [])  # fmt: skip
    archived = command(*run)
    assert archived["status"] == Job.Status.COMPLETED
    where = f"LastName LIKE '{marker}%'"
    assert live_ids(sf, "Contact", where) == set()
    binned = sf.query_all(f"SELECT Id FROM Contact WHERE {where}", include_deleted=True)  # noqa: S608
    assert bool(binned["records"]) is not empty_bin  # emptied from the Recycle Bin, or not

    request = command("restore_request", "--org", str(archive_org.pk), "--type", "archive",
                      "--correct-job", str(archived["job_id"]), "--objects", "Contact,Task")  # fmt: skip
    restored = command("restore_run", str(request["request_id"]), "--wait")
    assert restored["status"] == Job.Status.COMPLETED, restored

    back = sf.query_all(f"SELECT Id, LastName FROM Contact WHERE {where}")["records"]  # noqa: S608
    assert sorted(r["LastName"] for r in back) == [f"{marker} 0", f"{marker} 1"]
    for contact in back:
        rows = sf.query(f"SELECT Id, WhoId FROM Task WHERE WhoId = '{contact['Id']}'")["records"]  # noqa: S608
        assert len(rows) == 1  # each Contact's Task, pointing at the (new or same) Contact
    if not empty_bin:
        assert {r["Id"] for r in back} == set(contacts)  # undeleted with their Ids
        assert live_ids(sf, "Task", f"Subject = 'Call {marker}'") == set(tasks.values())
