# ruff: noqa: S608  (SOQL built from test-made Ids)
"""The request wizard through the test client against a real backup of the simulator:
five steps, each saved on a draft; child objects with the cascade caution; greyed fields;
Finish makes a request valid 7 days. Then the Review's Data tab compares a record live,
and "retry failed records" runs only those."""

import uuid
from datetime import timedelta

from django.urls import reverse

from jobs.models import Job
from jobs.services import job_run_inline
from restores.models import RestoreRecord, RestoreRequest, RestoreRun
from restores.services import restore_start
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup, run_restore


def test_the_five_steps_make_a_request_a_user_can_come_back_to(backup_org, sfsim, client_admin_a):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    account = sf.Account.create({"Name": f"Wizard {tag}"})["id"]
    sf.Contact.create({"LastName": f"W {tag}", "AccountId": account})
    backup = run_backup(org)

    response = client_admin_a.post(
        reverse("restores:wizard_new", args=[org.pk]), {"type": "records"}
    )
    draft = RestoreRequest.objects.get(org=org)
    step = lambda name: reverse(f"restores:wizard_{name}", args=[org.pk, draft.pk])  # noqa: E731
    assert response["Location"] == step("backups")
    assert client_admin_a.post(step("backups"), {"correct_job": backup.pk, "compromised_job": 0})[
        "Location"
    ] == step("objects")
    page = client_admin_a.get(step("objects")).content.decode()
    assert 'value="Account"' in page and 'value="Contact"' in page
    # Objects first, then their child objects are offered with the cascade caution.
    client_admin_a.post(step("objects"), {"objects": ["Account"]})
    page = client_admin_a.get(step("objects")).content.decode()
    assert 'value="Account:Contacts"' in page
    assert "Salesforce deletes Contact records with their Account" in page
    assert 'value="Account:Cases"' in page
    response = client_admin_a.post(
        step("objects"),
        {
            "objects": ["Account"],
            "children": ["Account:Contacts"],
            "filters": f"Account: Name LIKE 'Wizard {tag}%'",
            "conditions": "Account: Industry | not equals | Banking",
        },
    )
    assert response["Location"] == step("settings")
    draft.refresh_from_db()
    assert (draft.step, draft.children) == (3, {"Account": ["Contacts"]})
    # The declarative row is compiled to SOQL and ANDed with the SOQL filter.
    assert draft.filters == {"Account": f"(Name LIKE 'Wizard {tag}%') AND (Industry != 'Banking')"}
    bad = client_admin_a.post(
        step("objects"), {"objects": ["Account"], "conditions": "Account: Industry | near | x"}
    )
    assert "Unknown filter operator" in bad.content.decode()
    assert "--children Account:Contacts" in client_admin_a.get(step("objects")).content.decode()

    page = client_admin_a.get(step("settings")).content.decode()
    assert 'name="fields__Account" value="Name"' in page
    assert "CreatedDate — system audit field" in page  # greyed, with the reason
    assert 'name="fields__Account" value="CreatedDate"' not in page
    response = client_admin_a.post(
        step("settings"),
        {"fields__Account": ["Name", "Industry"], "fallback_owner_id": "005000000000001AAA"},
    )
    assert response["Location"] == step("finish"), response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.fields == {"Account": ["Name", "Industry"]}
    assert draft.fallback_owner_id == "005000000000001AAA"
    # Coming back later: the Restore page continues the draft at its next step.
    listed = client_admin_a.get(reverse("restores:restore", args=[org.pk])).content.decode()
    assert "draft, step 4 of 5" in listed and step("finish") in listed

    response = client_admin_a.post(step("finish"), {"name": "Undo the import", "description": "x"})
    assert response["Location"] == reverse("restores:restore", args=[org.pk])
    draft.refresh_from_db()
    assert (draft.status, draft.name, draft.correct_job_id) == (
        "ready",
        "Undo the import",
        backup.pk,
    )
    assert draft.expires_at - draft.created_at >= timedelta(days=7) - timedelta(minutes=5)
    assert client_admin_a.get(step("type"))["Location"] == reverse(
        "restores:restore", args=[org.pk]
    )


def _hard_delete(sf, name: str, ids: list[str]) -> None:
    results = getattr(sf.bulk2, name).hard_delete(records=[{"Id": i} for i in ids], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == len(ids), results


def test_data_tab_compares_live_and_retry_runs_only_the_failed_records(
    backup_org, sfsim, client_admin_a
):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    gone = sf.Account.create({"Name": f"Gone {tag}"})["id"]
    orphan = sf.Contact.create({"LastName": f"Orphan {tag}", "AccountId": gone})["id"]
    edited = sf.Contact.create({"LastName": f"Edited {tag}", "Title": "VP"})["id"]
    correct = run_backup(org)
    _hard_delete(sf, "Account", [gone])  # takes `orphan` along; Accounts are not restored
    sf.Contact.update(edited, {"Title": "Nobody"})
    scope = {"Contact": f"LastName LIKE '% {tag}'"}

    request, dry = run_restore(
        org, correct_job=correct, objects=["Contact"], filters=scope, dry_run=True
    )
    url = reverse("restores:job_review_data", args=[org.pk, dry.pk])
    page = client_admin_a.get(url, {"object": "Contact", "record": edited, "hide": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<td>Title</td><td>VP</td><td>Nobody</td>" in html  # correct vs the org now, live
    assert "<td>LastName</td>" not in html  # identical fields hidden
    every = client_admin_a.get(url, {"object": "Contact", "record": edited}).content.decode()
    assert f"<td>LastName</td><td>Edited {tag}</td><td>Edited {tag}</td>" in every
    missing = client_admin_a.get(url, {"object": "Contact", "record": orphan}).content.decode()
    assert "not in the org now" in missing
    review = client_admin_a.get(reverse("restores:job_review", args=[org.pk, dry.pk]))
    html = review.content.decode()
    planned = RestoreRun.objects.get(job=dry)
    assert f"The run will use exactly {planned.api_calls_for_run} API calls and 0 Bulk jobs" in html
    assert f"the org has {planned.api_remaining} daily API requests left" in html
    assert f"{planned.api_allowed} within the API quota setting" in html

    job = job_run_inline(job=restore_start(request=request, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    results = {r.original_id: r for r in RestoreRecord.objects.filter(job=job)}
    assert (results[edited].status, results[orphan].status) == ("success", "failed")
    review = client_admin_a.get(reverse("restores:job_review", args=[org.pk, job.pk]))
    assert "Retry failed records" in review.content.decode()
    client_admin_a.post(reverse("restores:job_retry", args=[org.pk, job.pk]))
    retry = Job.objects.filter(operation="restore").exclude(pk__in=[job.pk, dry.pk]).get()
    assert retry.settings["retry_of"] == job.pk
    retry = job_run_inline(job=retry)
    assert retry.status == Job.Status.COMPLETED, retry.error_message
    rows = list(RestoreRecord.objects.filter(job=retry))
    assert [(r.original_id, r.action) for r in rows] == [(orphan, "insert")]  # only that one
    assert rows[0].status == "failed" and rows[0].error_code == results[orphan].error_code
    assert RestoreRun.objects.get(job=retry).write_calls == 1
    assert sf.Contact.get(edited)["Title"] == "VP"
