"""The archive pages through Django's test client: Create Templated Archive lists archive
templates, the preview asks the org and needs the typed name for a production org, the
run's Data tab lists per-object counts, archived records are browsable and searchable,
their files downloadable, the Results tab and CSV carry Salesforce's refusal; another
tenant gets 404 on every archive page; the builder marks locked and retained objects."""

import csv
import io

import pytest
from django.urls import reverse

from archives.models import ArchiveRecord
from jobs.models import Job
from jobs.services import job_run_inline
from object_templates.models import ObjectTemplate
from tests.archives.conftest import command, write_json
from tests.archives.test_run import make_contacts


@pytest.fixture
def archived(archive_org, sf, marker, tmp_path):
    made = make_contacts(sf, marker, n=2)
    case = sf.Case.create({"Subject": "Kept", "ContactId": made["Contact"][0]})["id"]
    spec = {
        "name": f"Pages {marker}",
        "objects": [{"name": "Contact", "filter": {"soql": f"LastName LIKE '{marker}%'"},
                     "children": [{"name": "Case", "relationship": "Cases",
                                   "filter": {"soql": "Subject = 'none'"}}]}],
    }  # fmt: skip
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec))  # fmt: skip
    template = ObjectTemplate.objects.get(org=archive_org, name=f"Pages {marker}")
    return {"made": made, "case": case, "template": template}


def test_preview_page_needs_the_typed_name_then_runs_and_the_tabs_show_the_archive(
    archive_org, archived, client_admin_a, marker
):
    org, template = archive_org, archived["template"]
    listing = client_admin_a.get(reverse("archives:create", args=[org.pk]))
    assert template.name in listing.content.decode()

    url = reverse("archives:preview", args=[org.pk, template.pk])
    page = client_admin_a.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "archive-preview" in html
    assert "Type <strong>" in html  # a production org: typed confirmation

    refused = client_admin_a.post(url, {"confirmation": "wrong"})
    assert refused.status_code == 200 and "type its name exactly" in refused.content.decode()
    assert not Job.objects.filter(org=org, operation="archive").exists()

    started = client_admin_a.post(url, {"confirmation": org.name})
    job = Job.objects.get(org=org, operation="archive")
    assert started.status_code == 302 and started["Location"].endswith(f"/jobs/{job.pk}/")
    job = job_run_inline(job=job)
    assert job.status == Job.Status.COMPLETED

    history = client_admin_a.get(reverse("backups:history", args=[org.pk])).content.decode()
    assert "Templated Archive" in history and template.name in history
    data = client_admin_a.get(reverse("archives:job_data", args=[org.pk, job.pk]))
    assert data.status_code == 200 and "archive-counts" in data.content.decode()
    records = client_admin_a.get(
        reverse("archives:job_object", args=[org.pk, job.pk, "Contact"]), {"q": f"{marker} 1"}
    )
    body = records.content.decode()
    assert f"{marker} 1" in body and f"{marker} 0" not in body  # searched in the archive

    attachment = archived["made"]["Attachment"][1]
    file = client_admin_a.get(
        reverse("archives:job_file", args=[org.pk, job.pk]),
        {"object": "Attachment", "id": attachment, "field": "Body"},
    )
    assert file.status_code == 200 and file.content == f"file body {marker} 1".encode()

    results = client_admin_a.get(
        reverse("archives:job_results", args=[org.pk, job.pk]), {"outcome": "refused"}
    )
    assert "DELETE_FAILED" in results.content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client_admin_a.get(
                        reverse("archives:job_results_csv", args=[org.pk, job.pk])
                    ).streaming_content
                ).decode()
            )
        )
    )
    assert rows[0][:5] == ["Object", "Id", "Parent Id", "Plan", "Outcome"]
    assert len(rows) - 1 == ArchiveRecord.objects.filter(job=job).count()
    assert any(r[4] == "refused" and "associated" in r[6] for r in rows[1:])


def test_another_tenant_gets_404_on_every_archive_page(archive_org, archived, client_outsider):
    org, template = archive_org, archived["template"]
    job = Job.objects.create(org=org, tenant_id=org.tenant_id, operation="archive", name="x")
    for url in (
        reverse("archives:create", args=[org.pk]),
        reverse("archives:preview", args=[org.pk, template.pk]),
        reverse("archives:job_data", args=[org.pk, job.pk]),
        reverse("archives:job_object", args=[org.pk, job.pk, "Contact"]),
        reverse("archives:job_file", args=[org.pk, job.pk]) + "?object=A&id=B&field=C",
        reverse("archives:job_results", args=[org.pk, job.pk]),
        reverse("archives:job_results_csv", args=[org.pk, job.pk]),
    ):
        assert client_outsider.get(url).status_code == 404, url
    assert client_outsider.post(reverse("archives:preview", args=[org.pk, template.pk]),
                               {"confirmation": org.name}).status_code == 404  # fmt: skip


def test_builder_shows_locked_dependents_and_the_retain_mark(archive_org, archived, client_admin_a):
    template = archived["template"]
    page = client_admin_a.get(reverse("templates:edit", args=[archive_org.pk, template.pk]))
    html = page.content.decode()
    assert "🔒 Dependent (cascade)" in html and "Retain this object" in html
    task = template.template_objects.get(object_name="Task")
    client_admin_a.post(
        reverse("templates:object_retain", args=[archive_org.pk, template.pk, task.pk]),
        {"retain": "on"},
    )
    task.refresh_from_db()
    assert task.retain
    html = client_admin_a.get(
        reverse("templates:edit", args=[archive_org.pk, template.pk])
    ).content.decode()
    assert "Retained, but still deleted: Salesforce deletes it with its Contact." in html


def test_a_user_without_the_archive_permission_gets_403(archive_org, archived, client_user_a):
    org, template = archive_org, archived["template"]
    assert client_user_a.get(reverse("archives:create", args=[org.pk])).status_code == 403
    answer = client_user_a.post(
        reverse("archives:preview", args=[org.pk, template.pk]), {"confirmation": org.name}
    )
    assert answer.status_code == 403
    assert not Job.objects.filter(org=org, operation="archive").exists()
