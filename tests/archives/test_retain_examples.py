"""The guide's four "Retain This Object" worked examples, each run against the simulator
with exact deleted / kept sets (per object, and in the org afterwards).

The guide's Contact has Contract as a restricted ("Dependent") child and a custom "Client
Answer" lookup child; the simulator's Contact has Case on a restrictedDelete relationship
(Case.ContactId) and Opportunity on an ordinary lookup (Opportunity.ContactId), so they
stand in for them. Files are ContentDocumentLink (the links), ContentDocument and
ContentVersion (the files and their bodies)."""

import base64

import pytest

from archives.models import ArchiveRecord
from jobs.models import Job
from object_templates.archive import deleted_and_kept
from object_templates.models import ObjectTemplate
from object_templates.services import template_snapshot
from tests.archives.conftest import command, write_json


def make_contact(sf, marker: str) -> dict[str, str]:
    contact = sf.Contact.create({"LastName": f"{marker} person"})["id"]
    body = base64.b64encode(f"contract scan {marker}".encode()).decode()
    version = sf.ContentVersion.create(
        {"Title": "Scan", "PathOnClient": "scan.txt", "VersionData": body,
         "FirstPublishLocationId": contact}
    )["id"]  # fmt: skip
    text = f"SELECT ContentDocumentId FROM ContentVersion WHERE Id = '{version}'"  # noqa: S608
    document = sf.query(text)["records"][0]["ContentDocumentId"]
    link = sf.query(
        f"SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '{contact}'"  # noqa: S608
    )["records"][0]["Id"]
    return {
        "Contact": contact,
        "Task": sf.Task.create({"Subject": "Call", "WhoId": contact})["id"],
        "Note": sf.Note.create({"Title": "Met", "ParentId": contact})["id"],
        "Attachment": sf.Attachment.create(
            {"Name": "a.txt", "ParentId": contact, "Body": base64.b64encode(b"a").decode()}
        )["id"],
        "Case": sf.Case.create({"Subject": "Question", "ContactId": contact})["id"],
        "Opportunity": sf.Opportunity.create(
            {
                "Name": "Deal",
                "StageName": "Prospecting",
                "CloseDate": "2027-01-31",
                "ContactId": contact,
            }
        )["id"],  # fmt: skip
        "ContentDocumentLink": link,
        "ContentDocument": document,
        "ContentVersion": version,
    }


def alive(sf, made: dict[str, str]) -> dict[str, bool]:
    out = {}
    for name, record_id in made.items():
        rows = sf.query(f"SELECT Id FROM {name} WHERE Id = '{record_id}'")["records"]  # noqa: S608
        out[name] = bool(rows)
    return out


def run_example(org, sf, marker, tmp_path, *, contact_retained, children):
    made = make_contact(sf, marker)
    spec = {
        "name": f"Example {marker}",
        "objects": [{"name": "Contact", "retain": contact_retained,
                     "filter": {"soql": f"LastName LIKE '{marker}%'"}, "children": children}],
    }  # fmt: skip
    command("archive_template_create", "--org", str(org.pk), "--from-json",
            write_json(tmp_path, spec))  # fmt: skip
    template = ObjectTemplate.objects.get(org=org, name=f"Example {marker}")
    planned = deleted_and_kept(template_snapshot(template))
    result = command("archive_run", "--org", str(org.pk), "--template", template.name,
                     "--wait", "--confirm", org.name)  # fmt: skip
    assert result["status"] == Job.Status.COMPLETED
    # The vault holds every record the example touched, deleted or kept.
    archived = set(
        ArchiveRecord.objects.filter(job_id=result["job_id"]).values_list("record_id", flat=True)
    )
    expected_in_vault = set(made.values()) - (
        set() if any(c["name"] == "Opportunity" for c in children) else {made["Opportunity"]}
    )
    assert expected_in_vault <= archived
    return made, planned, result, alive(sf, made)


CASE = {"name": "Case", "relationship": "Cases"}
LINKS = {"name": "ContentDocumentLink", "relationship": "ContentDocumentLinks"}
FILES = {"ContentDocumentLink", "ContentDocument", "ContentVersion"}


def test_example_1_retained_parent_and_retained_dependent_child(archive_org, sf, marker, tmp_path):
    made, (deleted, kept), result, live = run_example(
        archive_org, sf, marker, tmp_path, contact_retained=True,
        children=[{**CASE, "retain": True}],
    )  # fmt: skip
    assert {"Contact", "Case"} <= kept
    assert {"Task", "Note", "Attachment", *FILES} <= deleted
    names = {"Contact", "Case", "Task", "Note", "Attachment", *FILES}
    assert {n for n in names if live[n]} == {"Contact", "Case"}
    assert {n for n in names if not live[n]} == {"Task", "Note", "Attachment", *FILES}
    assert live["Opportunity"]  # not in the template at all


def test_example_2_retained_dependent_child_of_a_deleted_parent_is_still_deleted(
    archive_org, sf, marker, tmp_path
):
    made, (deleted, kept), result, live = run_example(
        archive_org, sf, marker, tmp_path, contact_retained=False,
        children=[{**CASE, "retain": True}],
    )  # fmt: skip
    assert kept == set()
    assert {"Contact", "Case", "Task", "Note", "Attachment", *FILES} <= deleted
    names = {"Contact", "Case", "Task", "Note", "Attachment", *FILES}
    assert {n for n in names if live[n]} == set()
    assert result["objects"]["Case"]["deleted"] == 1  # deleted before its Contact
    assert result["objects"]["Task"]["cascade_deleted"] == 1


def test_example_3_retained_independent_child_stays_after_its_parent_is_deleted(
    archive_org, sf, marker, tmp_path
):
    made, (deleted, kept), result, live = run_example(
        archive_org, sf, marker, tmp_path, contact_retained=False,
        children=[{"name": "Opportunity", "relationship": "Opportunities", "retain": True}],
    )  # fmt: skip
    assert kept == {"Opportunity"}
    names = {"Contact", "Case", "Task", "Note", "Attachment", "Opportunity", *FILES}
    assert {n for n in names if live[n]} == {"Opportunity"}
    opportunity = sf.Opportunity.get(made["Opportunity"])
    assert opportunity["ContactId"] is None  # the lookup to the deleted Contact is cleared


def test_example_4_keep_everything_but_the_files(archive_org, sf, marker, tmp_path):
    keep = [
        {**CASE, "retain": True},
        {"name": "Task", "relationship": "Tasks", "retain": True},
        {"name": "Note", "relationship": "Notes", "retain": True},
        {"name": "Attachment", "relationship": "Attachments", "retain": True},
        {**LINKS, "retain": False},
    ]
    made, (deleted, kept), result, live = run_example(
        archive_org, sf, marker, tmp_path, contact_retained=True, children=keep
    )
    assert {"Contact", "Case", "Task", "Note", "Attachment"} <= kept
    assert deleted >= FILES
    names = {"Contact", "Case", "Task", "Note", "Attachment", *FILES}
    assert {n for n in names if live[n]} == {"Contact", "Case", "Task", "Note", "Attachment"}
    assert result["objects"]["ContentDocument"]["deleted"] == 1
    assert result["objects"]["ContentVersion"]["archived"] == 1


@pytest.mark.parametrize("retain", [True, False])
def test_a_locked_child_cannot_be_removed(archive_org, sf, marker, tmp_path, retain):
    from object_templates.services import TemplateError, template_remove_object

    spec = {"name": f"Locked {marker}", "objects": [{"name": "Contact", "retain": retain}]}
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec))  # fmt: skip
    template = ObjectTemplate.objects.get(org=archive_org, name=f"Locked {marker}")
    task = template.template_objects.get(object_name="Task")
    assert task.locked and task.dependency == "cascade"
    with pytest.raises(TemplateError, match="cannot be removed"):
        template_remove_object(template_object=task)
