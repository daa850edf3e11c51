"""The archive workflow in Chromium, as an admin does it against the simulator: create an
archive template in the builder (Contact: its cascade children come locked; the retain
shield on Task says it is still deleted), open the preview asked of the org, type the
production org's name, run, open the job's Data tab with the per-object counts, and
download the per-record results CSV."""

import base64
import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archives.models import ArchiveRecord
from jobs.models import Job
from jobs.services import job_run_inline
from object_templates.models import ObjectTemplate
from tests.archives.conftest import live_ids
from tests.schedules.test_browser import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_builds_previews_runs_an_archive_and_downloads_its_results(
    page, live_server, admin_a, archive_org, sf, marker
):
    org = archive_org
    contacts = [sf.Contact.create({"LastName": f"{marker} {i}"})["id"] for i in range(2)]
    task = sf.Task.create({"Subject": "Call", "WhoId": contacts[0]})["id"]
    sf.Attachment.create(
        {"Name": "a.txt", "ParentId": contacts[1], "Body": base64.b64encode(b"scan").decode()}
    )
    signed_in(page, live_server, admin_a)

    # The builder: a new archive template with Contact; its dependents come locked.
    page.goto(live_server.url + reverse("archives:create", args=[org.pk]))
    page.get_by_role("link", name="+ Create Archive Template").click()
    page.get_by_label("Name").fill(f"Archive {marker}")
    page.get_by_role("button", name="Save").click()
    page.locator("#add-object summary").click()
    page.get_by_placeholder("Search objects").fill("Contact")
    page.locator("#add-object-list label", has_text="Contact").filter(
        has=page.locator('input[value="Contact"]')
    ).click()
    page.get_by_role("button", name="Add", exact=True).click()
    template = ObjectTemplate.objects.get(org=org, name=f"Archive {marker}")
    assert template.kind == ObjectTemplate.Kind.ARCHIVE
    contact = template.template_objects.get(object_name="Contact")
    task_row = page.locator(f"#object-{template.template_objects.get(object_name='Task').pk}")
    expect(task_row).to_contain_text("🔒 Dependent (cascade)")
    expect(task_row.get_by_role("button", name="Remove")).to_have_count(0)  # locked

    page.locator(f"[data-dialog='filter-{contact.pk}']").click()
    filters = page.locator(f"#filter-{contact.pk}")
    filters.get_by_label("SOQL").check()
    filters.locator("textarea").fill(f"LastName LIKE '{marker}%'")
    filters.get_by_role("button", name="Apply").click()
    expect(page.locator(f"#object-{contact.pk}")).to_contain_text(f"LastName LIKE '{marker}%'")

    # The retain shield on a cascade child: marked, and the builder says it still goes.
    task_row.get_by_label("Retain this object").check()
    task_row.get_by_role("button", name="Apply").click()
    expect(task_row).to_contain_text("🛡 Retained")
    expect(task_row).to_contain_text(
        "Retained, but still deleted: Salesforce deletes it with its Contact."
    )

    # The preview, asked of the org; a production org needs its name typed.
    page.goto(live_server.url + reverse("archives:create", args=[org.pk]))
    page.locator("tr", has_text=f"Archive {marker}").get_by_role("link", name="Select").click()
    preview = page.locator("table.archive-preview")
    contact_row = preview.locator('tr[data-object="Contact"]')
    expect(contact_row.locator("td.num").nth(0)).to_have_text("2")  # to archive
    expect(contact_row.locator("td.num").nth(1)).to_have_text("2")  # deleted directly
    expect(preview.locator('tr[data-object="Task"] td.num').nth(2)).to_have_text("1")  # cascade
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".errorlist").first).to_contain_text("type its name exactly")
    assert not Job.objects.filter(org=org, operation="archive").exists()
    page.get_by_label("to confirm").fill(org.name)
    page.get_by_role("button", name="Run").click()
    page.wait_for_url("**/jobs/*/")

    # The worker's part, run here; then the job's Data tab shows the per-object counts.
    job = job_run_inline(job=Job.objects.get(org=org, operation="archive"))
    assert job.status == Job.Status.COMPLETED
    page.reload()
    page.get_by_role("navigation", name=f"Job {job.pk}").get_by_role("link", name="Data").click()
    counts = page.locator("table.archive-counts")
    for name, archived, deleted in (("Contact", 2, 2), ("Task", 1, 1), ("Attachment", 1, 1)):
        cells = counts.locator("tr", has=page.get_by_role("link", name=name, exact=True))
        expect(cells.locator("td.num").nth(0)).to_have_text(str(archived))
        expect(cells.locator("td.num").nth(1)).to_have_text(str(deleted))
    assert live_ids(sf, "Contact", f"LastName LIKE '{marker}%'") == set()
    assert live_ids(sf, "Task", f"Id = '{task}'") == set()

    # Results: the per-record CSV, one line per record the archive read.
    page.get_by_role("navigation", name=f"Job {job.pk}").get_by_role("link", name="Results").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Object", "Id", "Parent Id", "Plan", "Outcome"]
    assert len(rows) - 1 == ArchiveRecord.objects.filter(job=job).count()
    assert {r[1] for r in rows[1:] if r[0] == "Contact"} == set(contacts)
