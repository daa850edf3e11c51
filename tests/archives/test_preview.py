"""The preview's rows for what the run takes along beyond the template's own objects,
counted by the simulator over HTTPS: the files of the archived links (ContentDocument,
and every ContentVersion with its body) and the grandchildren Salesforce deletes with a
deleted child (Contact -> Case -> CaseComment). Exact counts; records of other Contacts
never counted; the page and `archive_preview --json` show the same rows, and the run
archives as many as the preview counted."""

import base64

from django.urls import reverse

from object_templates.models import ObjectTemplate
from tests.archives.conftest import command, write_json


def file_on(sf, record_id: str, title: str) -> str:
    body = base64.b64encode(f"{title} body".encode()).decode()
    version = sf.ContentVersion.create(
        {"Title": title, "PathOnClient": f"{title}.txt", "VersionData": body,
         "FirstPublishLocationId": record_id}
    )["id"]  # fmt: skip
    text = f"SELECT ContentDocumentId FROM ContentVersion WHERE Id = '{version}'"  # noqa: S608
    return sf.query(text)["records"][0]["ContentDocumentId"]


def make_org_data(sf, marker: str) -> None:
    """Two archived Contacts: 3 files (one of them in 2 versions), 3 Cases with 5
    comments; an unselected Contact with a file, a Case and a comment of its own."""
    first = sf.Contact.create({"LastName": f"{marker} one"})["id"]
    second = sf.Contact.create({"LastName": f"{marker} two"})["id"]
    other = sf.Contact.create({"LastName": f"Other {marker}"})["id"]
    document = file_on(sf, first, "contract")
    sf.ContentVersion.create(
        {"Title": "contract v2", "PathOnClient": "contract.txt", "ContentDocumentId": document,
         "VersionData": base64.b64encode(b"second version").decode()}
    )  # fmt: skip
    file_on(sf, first, "scan")
    file_on(sf, second, "photo")
    file_on(sf, other, "not archived")
    comments = {first: 2, second: 1}
    for contact, cases in ((first, 2), (second, 1), (other, 1)):
        for i in range(cases):
            case = sf.Case.create({"Subject": f"Case {i}", "ContactId": contact})["id"]
            for j in range(comments.get(contact, 1) if i == 0 else 1):
                sf.CaseComment.create({"ParentId": case, "CommentBody": f"comment {j}"})


def test_preview_counts_the_linked_files_and_the_grandchildren_from_the_org(
    archive_org, sf, marker, tmp_path, client_admin_a
):
    make_org_data(sf, marker)
    spec = {
        "name": f"Preview {marker}",
        "objects": [{"name": "Contact", "filter": {"soql": f"LastName LIKE '{marker}%'"}}],
    }
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec))  # fmt: skip
    template = ObjectTemplate.objects.get(org=archive_org, name=f"Preview {marker}")

    shown = command("archive_preview", "--org", str(archive_org.pk), "--template", template.name)
    rows = {r["object"]: r for r in shown["objects"]}
    assert rows["Contact"]["archive"] == 2 and rows["Contact"]["delete_direct"] == 2
    assert rows["Case"]["archive"] == 3 and rows["Case"]["delete_direct"] == 3
    assert rows["ContentDocumentLink"]["delete_cascade"] == 3

    # The links' files: 3 documents deleted directly, their 4 versions with them.
    documents, versions = rows["ContentDocument"], rows["ContentVersion"]
    assert (documents["parent"], documents["depth"]) == ("ContentDocumentLink", 2)
    assert (documents["action"], documents["archive"], documents["delete_direct"]) == (
        "delete", 3, 3
    )  # fmt: skip
    assert (versions["parent"], versions["action"]) == ("ContentDocument", "cascade")
    assert versions["archive"] == versions["delete_cascade"] == 4

    # Grandchildren: the Cases' comments, deleted by Salesforce with their Cases (2 + 1 on
    # the first Contact's Cases, 1 on the second's; the other Contact's comment is not).
    comments = rows["CaseComment"]
    assert (comments["parent"], comments["depth"], comments["action"]) == ("Case", 2, "cascade")
    assert comments["archive"] == comments["delete_cascade"] == 4

    # The rows follow the tree: every object right after its parent's row.
    order = [r["object"] for r in shown["objects"]]
    assert order.index("Case") < order.index("CaseComment")
    assert order.index("ContentDocumentLink") + 1 == order.index("ContentDocument")
    assert order.index("ContentDocument") + 1 == order.index("ContentVersion")
    assert shown["totals"]["delete_cascade"] == sum(r["delete_cascade"] for r in rows.values())

    # The preview page draws the same rows, indented under their parents.
    html = client_admin_a.get(
        reverse("archives:preview", args=[archive_org.pk, template.pk])
    ).content.decode()
    assert 'data-object="ContentDocument" data-depth="2"' in html
    assert 'data-object="ContentVersion" data-depth="3"' in html
    assert 'data-object="CaseComment" data-depth="2"' in html
    assert versions["reason"] in html

    # The run archives exactly what the preview counted.
    result = command("archive_run", "--org", str(archive_org.pk), "--template", template.name,
                     "--wait", "--confirm", archive_org.name)  # fmt: skip
    objects = result["objects"]
    for name in ("ContentDocument", "ContentVersion", "CaseComment"):
        assert objects[name]["archived"] == rows[name]["archive"], name
    assert objects["CaseComment"]["cascade_deleted"] == 4
