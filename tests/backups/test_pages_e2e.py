"""End to end with the simulator: a backup created from the Create form completes, and
its pages show what Salesforce holds (counts, a record's decrypted fields)."""

from django.urls import reverse

from jobs.models import Job
from tests.backups import engine_support
from tests.backups.starts import backup_run_inline
from tests.fixtures.sfsim import sf_client

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def test_backup_from_the_create_form_completes_and_shows_its_records(
    client_admin_a, backup_org, sfsim, django_capture_on_commit_callbacks
):
    create = reverse("backups:create", args=[backup_org.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_admin_a.post(create, {"name": "First full", "binary_objects": "on"})
    job = Job.objects.get(org=backup_org)
    assert response["Location"] == reverse("jobs:job", args=[backup_org.pk, job.pk])
    assert len(callbacks) == 1  # the hand-over to the workers, run here instead:
    backup_run_inline(job=job)

    overview = client_admin_a.get(response["Location"]).content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED and job.records > 0
    assert '<span id="job-status" class="badge completed">Completed</span>' in overview
    assert f"<dt>Records</dt><dd>{job.records}</dd>" in overview
    assert 'hx-trigger="every 2s"' not in overview

    sf = sf_client(sfsim)
    account = sf.query("SELECT Id, Name FROM Account ORDER BY Id LIMIT 1")["records"][0]
    total = sf.query("SELECT COUNT() FROM Account")["totalSize"]
    data = client_admin_a.get(reverse("backups:job_data", args=[backup_org.pk, job.pk]))
    rows = {o.object_name: o for o in data.context["pagination"]}
    assert rows["Account"].records == total

    object_url = reverse("backups:job_object", args=[backup_org.pk, job.pk, "Account"])
    found = client_admin_a.get(object_url, {"q": account["Id"]})
    assert [v.record_id for v in found.context["pagination"]] == [account["Id"]]
    assert account["Name"] in found.content.decode()

    record_url = reverse("backups:record", args=[backup_org.pk, job.pk, "Account", account["Id"]])
    record = client_admin_a.get(record_url)
    assert record.context["fields"]["Name"] == account["Name"]
    assert record.context["fields"]["Id"] == account["Id"]
