"""File bodies are read by a few threads at once: a body Salesforce fails to send is
retried (the retry logged in the job, every call counted), and a body that cannot be read
at all stops the run before anything is deleted from the org."""

import base64

from archives.models import ArchiveRecord
from archives.selectors import archived_payloads
from jobs.models import Job
from orgs.keys import org_data_key
from tests.archives.conftest import command, live_ids, write_json
from vault.selectors import blob_read

BODY_ROUTE = "/services/data/*/sobjects/Attachment/*/Body"


def make_files(sf, marker: str, n: int) -> dict[str, bytes]:
    bodies = {}
    for i in range(n):
        contact = sf.Contact.create({"LastName": f"{marker} {i}"})["id"]
        body = f"scan {i} of {marker}".encode()
        attachment = sf.Attachment.create(
            {"Name": f"s{i}.txt", "ParentId": contact, "Body": base64.b64encode(body).decode()}
        )["id"]
        bodies[attachment] = body
    return bodies


def run(org, marker, tmp_path) -> dict:
    spec = {
        "name": f"Bodies {marker}",
        "objects": [{"name": "Contact", "filter": {"soql": f"LastName LIKE '{marker}%'"}}],
    }
    command("archive_template_create", "--org", str(org.pk), "--from-json",
            write_json(tmp_path, spec))  # fmt: skip
    return command("archive_run", "--org", str(org.pk), "--template", f"Bodies {marker}",
                   "--wait", "--confirm", org.name)  # fmt: skip


def test_a_body_salesforce_fails_to_send_is_retried_and_every_body_is_archived(
    archive_org, sf, sfsim_faults, marker, tmp_path
):
    bodies = make_files(sf, marker, n=12)
    sfsim_faults.set_faults({"route": BODY_ROUTE, "kind": "http503", "on_call": 3, "count": 2})
    result = run(archive_org, marker, tmp_path)
    assert result["status"] == Job.Status.COMPLETED
    assert result["objects"]["Attachment"]["deleted"] == 12
    job = Job.objects.get(pk=result["job_id"])
    assert (
        job.logs.filter(message__startswith="Attachment:", message__contains="Retrying").count()
        == 2
    )
    payloads = archived_payloads(job=job, object_name="Attachment", record_ids=list(bodies))
    key = org_data_key(archive_org)
    stored = {
        record_id: blob_read(org=archive_org, blob_key=payload["Body"], data_key=key)
        for record_id, payload in payloads.items()
    }
    assert stored == bodies


def test_a_body_that_cannot_be_read_stops_the_run_before_any_delete(
    archive_org, sf, sfsim_faults, marker, tmp_path
):
    bodies = make_files(sf, marker, n=6)
    sfsim_faults.set_faults({"route": BODY_ROUTE, "kind": "http500", "on_call": 4, "count": 0})
    result = run(archive_org, marker, tmp_path)
    assert result["status"] == Job.Status.ERROR
    assert len(live_ids(sf, "Contact", f"LastName LIKE '{marker}%'")) == 6
    assert live_ids(sf, "Attachment", f"Id IN ({', '.join(repr(i) for i in bodies)})") == set(
        bodies
    )
    deleted = ArchiveRecord.objects.filter(
        job_id=result["job_id"], outcome__in=["deleted", "cascade_deleted"]
    )
    assert not deleted.exists()
