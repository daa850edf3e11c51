"""Export options against a real backup of the simulator: child objects (only those of
the exported parents), declarative filters (the same records as the SOQL they stand
for), fields to include, and files' bodies in files/."""

import base64

import pytest

from exports.engine import cell
from jobs.models import Job
from tests.exports.support import csv_rows, export_zip, run_backup, run_export
from tests.exports.test_export_engine import vault_rows
from tests.fixtures.sfsim import sf_client


def test_child_objects_only_of_the_exported_parents(backed_up):
    org, backup = backed_up
    accounts = vault_rows(org, backup, "Account")
    contacts = vault_rows(org, backup, "Contact")
    chosen = {rid for rid, a in accounts.items() if str(a.get("Name") or "")[:1] in "ABCDEFGH"}
    assert chosen and len(chosen) < len(accounts)
    job = run_export(
        org, as_of_job=backup, objects=["Account"],
        filters={"Account": "Name < 'I'"}, children={"Account": ["Contact"]},
    )  # fmt: skip
    assert job.status == Job.Status.COMPLETED, job.error_message
    archive = export_zip(job)
    assert {r["Id"] for r in csv_rows(archive, "Account/Account-0001.csv")} == chosen
    expected = {rid for rid, c in contacts.items() if c.get("AccountId") in chosen}
    assert expected and len(expected) < len(contacts)
    rows = csv_rows(archive, "Contact/Contact-0001.csv")
    assert {r["Id"] for r in rows} == expected
    for row in rows:
        assert row == {f: cell(contacts[row["Id"]].get(f)) for f in row}


def test_declarative_filters_equal_their_soql_and_fields_are_chosen(backed_up):
    org, backup = backed_up
    rules = {"Account": [{"field": "Name", "operator": "starts with", "value": "A"}]}
    declarative = export_zip(
        run_export(org, as_of_job=backup, objects=["Account"], rules=rules,
                   fields={"Account": ["Id", "Name"]})
    )  # fmt: skip
    soql = export_zip(
        run_export(org, as_of_job=backup, objects=["Account"],
                   filters={"Account": "Name LIKE 'A%'"}, fields={"Account": ["Id", "Name"]})
    )  # fmt: skip
    rows = csv_rows(declarative, "Account/Account-0001.csv")
    assert rows and rows == csv_rows(soql, "Account/Account-0001.csv")
    assert all(set(r) == {"Id", "Name"} and r["Name"].startswith("A") for r in rows)


def test_bad_declarative_filter_or_child_says_what_is_wrong(backed_up):
    from exports.services import export_start

    org, backup = backed_up
    with pytest.raises(ValueError, match="Unknown filter operator"):
        export_start(org=org, as_of_job=backup.pk, objects=["Account"], enqueue=False,
                     rules={"Account": [{"field": "Name", "operator": "sounds like"}]})  # fmt: skip
    with pytest.raises(ValueError, match="chosen twice"):
        export_start(org=org, as_of_job=backup.pk, objects=["Account", "Contact"],
                     children={"Account": ["Contact"]}, enqueue=False)  # fmt: skip


def test_files_bodies_in_the_files_folder(backup_org, sfsim):
    from backups.job_settings import JobSettings

    sf = sf_client(sfsim)
    parent = sf.Account.create({"Name": "Files parent"})["id"]
    body = b"%PDF-1.4 exported body \x00\x01" * 20
    encoded = base64.b64encode(body).decode()
    attachment = sf.Attachment.create({"Name": "a.pdf", "ParentId": parent, "Body": encoded})
    job = run_backup(backup_org, settings=JobSettings(binary_objects=True))
    assert job.status == Job.Status.COMPLETED, job.error_message
    export = run_export(backup_org, as_of_job=job, objects=["Attachment"], include_files=True)
    assert export.status == Job.Status.COMPLETED, export.error_message
    archive = export_zip(export)
    row = next(
        r
        for r in csv_rows(archive, "Attachment/Attachment-0001.csv")
        if r["Id"] == attachment["id"]
    )
    assert row["Body"] == f"files/Attachment/{attachment['id']}-Body"
    assert archive.read(row["Body"]) == body
    # Without the option the zip has no files/ folder.
    plain = export_zip(run_export(backup_org, as_of_job=job, objects=["Attachment"]))
    assert not any(name.startswith("files/") for name in plain.namelist())


def test_page_and_command_take_declarative_filters_children_and_files(backed_up, client_admin_a):
    import io
    import json

    from django.core.management import call_command
    from django.urls import reverse

    org, backup = backed_up
    response = client_admin_a.post(
        reverse("exports:export", args=[org.pk]),
        {
            "as_of_job": backup.pk,
            "objects": ["Account"],
            "rules": "Account: Name starts with A; Industry is not null",
            "children": "Account: Contact",
            "include_files": "on",
            "format": "csv",
        },
    )
    assert response.status_code == 302
    job = Job.objects.filter(operation="export").latest("pk")
    assert job.settings["filters"] == {"Account": "Name LIKE 'A%' AND Industry != null"}
    assert job.settings["children"] == {"Account": ["Contact"]}
    assert job.settings["include_files"] is True
    bad = client_admin_a.post(
        reverse("exports:export", args=[org.pk]),
        {"as_of_job": backup.pk, "objects": ["Account"], "rules": "Account: Name near A"},
    )
    assert bad.status_code == 200 and "write Field operator value" in bad.content.decode()

    out = io.StringIO()
    call_command(
        "export_run", "--org", str(org.pk), "--as-of-job", str(backup.pk),
        "--objects", "Account", "--rule", "Account:Name starts with A",
        "--children", "Account:Contact", "--wait", "--json", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert result["status"] == "completed"
    assert set(result["export"]["counts"]) == {"Account", "Contact"}
    assert result["export"]["counts"]["Account"] > 0
