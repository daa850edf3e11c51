"""The time machine of a record: its versions with who/when, a compare of any two with the
changed fields highlighted, and a restore of chosen fields or the whole record from one
version after one confirmation — as pages and as the JSON API with per-user tokens —
run by the restore engine against the simulator over HTTPS, and audited."""

import json

import pytest
from django.urls import reverse

from jobs.models import Job
from jobs.services import job_run_inline
from restores.models import RestoreRecord, RestoreRequest, RestoreRun
from tenants.api_tokens import api_token_create
from tenants.models import AuditEvent
from tests.backups.factories import make_backup, make_org, record_id
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup

ACME = record_id("001", 1)


def _two_versions(org):
    first = make_backup(
        org,
        {"Account": [(ACME, {"Id": ACME, "Name": "Acme", "Phone": "111"})]},
    )
    second = make_backup(
        org,
        {"Account": [(ACME, {"Id": ACME, "Name": "Acme", "Phone": "222"})]},
    )
    return first, second


@pytest.mark.django_db
def test_the_page_lists_versions_and_highlights_the_changed_fields(
    tenant_a, client_admin_a, client_outsider, vault_storage
):
    org = make_org(tenant_a)
    first, second = _two_versions(org)
    # The backup's record page links to the time machine.
    record_page = client_admin_a.get(
        reverse("backups:record", args=[org.pk, second.pk, "Account", ACME])
    ).content.decode()
    url = reverse("restores:time_machine", args=[org.pk, "Account", ACME])
    assert f'href="{url}"' in record_page

    page = client_admin_a.get(url).content.decode()
    assert page.count('<tr data-version="') == 2
    assert f'href="/orgs/{org.pk}/jobs/{first.pk}/"' in page
    assert '<tr class="diff-changed" data-field="Phone" data-changed="1">' in page
    assert 'data-field="Name"' not in page  # identical fields hidden...
    shown = client_admin_a.get(url, {"identical": "1"}).content.decode()
    assert 'data-field="Name" data-changed="0"' in shown  # ...unless asked for
    assert 'id="tm-restore"' in page and 'name="confirm"' in page

    assert client_outsider.get(url).status_code == 404
    restore = reverse("restores:time_machine_restore", args=[org.pk, "Account", ACME])
    assert client_outsider.post(restore, {"confirm": "yes"}).status_code == 404
    api = reverse("restores:api_versions", args=[org.pk, "Account", ACME])
    assert client_outsider.get(api).status_code == 404
    missing = reverse("restores:time_machine", args=[org.pk, "Account", record_id("001", 9)])
    assert client_admin_a.get(missing).status_code == 404


@pytest.fixture
def damaged_account(backup_org, sfsim):
    """An Account backed up twice: Phone and Name changed between the backups, and again
    in the org afterwards."""
    sf = sf_client(sfsim)
    account = sf.Account.create({"Name": "Time Co", "Phone": "555-0100", "Industry": "Energy"})[
        "id"
    ]
    good = run_backup(backup_org)
    sf.Account.update(account, {"Name": "Time Co (renamed)", "Phone": "555-0199"})
    run_backup(backup_org)
    sf.Account.update(account, {"Name": "Broken", "Phone": "000", "Industry": "Banking"})
    return sf, account, good


def _version_of(org, account, job):
    from vault.models import RecordVersion, Snapshot

    seq = Snapshot.objects.get(org=org, job=job).seq
    return RecordVersion.objects.get(
        org=org, object_name="Account", record_id=account, valid_from__lte=seq, valid_to__gt=seq
    )


def _run(job_id: int) -> Job:
    job = job_run_inline(job=Job.objects.get(pk=job_id))
    assert job.status == Job.Status.COMPLETED, job.error_message
    return job


def test_restore_chosen_fields_from_a_version_through_the_page(
    backup_org, damaged_account, client_admin_a, admin_a
):
    org = backup_org
    sf, account, good = damaged_account
    version = _version_of(org, account, good)
    url = reverse("restores:time_machine_restore", args=[org.pk, "Account", account])
    refused = client_admin_a.post(
        url, {"version_id": version.pk, "scope": "fields", "fields": ["Phone"]}
    )
    assert refused.status_code == 302 and not RestoreRequest.objects.filter(org=org).exists()

    response = client_admin_a.post(
        url, {"version_id": version.pk, "scope": "fields", "fields": ["Phone"], "confirm": "yes"}
    )
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert response["Location"] == reverse("jobs:job", args=[org.pk, job_id])
    job = _run(job_id)
    after = sf.Account.get(account)
    assert after["Phone"] == "555-0100"  # the chosen field, from that version
    assert (after["Name"], after["Industry"]) == ("Broken", "Banking")  # the others untouched
    row = RestoreRecord.objects.get(job=job)
    assert (row.original_id, row.action, row.status) == (account, "update", "success")
    # The org's limits, Account's describe and the one record read by Id (not every Account).
    assert RestoreRun.objects.get(job=job).read_calls == 3
    event = AuditEvent.objects.get(action="restore.time_machine")
    assert event.target == f"Job {job.pk}" and event.actor == admin_a
    assert event.detail["record_id"] == account and event.detail["fields"] == ["Phone"]
    assert "555-0100" not in json.dumps(event.detail)  # no record data in the audit log


def test_the_json_api_lists_compares_and_restores_with_a_token(
    backup_org, damaged_account, client, admin_a, outsider
):
    org = backup_org
    sf, account, good = damaged_account
    _token, secret = api_token_create(user=admin_a, name="in-Salesforce component")
    _other, stranger = api_token_create(user=outsider, name="other tenant")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    args = [org.pk, "Account", account]
    versions_url = reverse("restores:api_versions", args=args)
    compare_url = reverse("restores:api_compare", args=args)
    restore_url = reverse("restores:api_restore", args=args)

    assert client.get(versions_url).status_code == 401
    listed = client.get(versions_url, **auth).json()
    assert [v["snapshot"] for v in listed["versions"]] == sorted(
        (v["snapshot"] for v in listed["versions"]), reverse=True
    )
    assert len(listed["versions"]) == 2 and all(v["last_modified_by"] for v in listed["versions"])
    old, new = listed["versions"][1]["version_id"], listed["versions"][0]["version_id"]
    compared = client.get(compare_url, {"left": old, "right": new}, **auth).json()
    changed = {f["name"]: (f["left"], f["right"]) for f in compared["fields"]}
    assert changed["Phone"] == ("555-0100", "555-0199")
    assert changed["Name"] == ("Time Co", "Time Co (renamed)")
    assert all(f["changed"] for f in compared["fields"])

    body = {"version_id": old}
    unconfirmed = client.post(
        restore_url, json.dumps(body), content_type="application/json", **auth
    )
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.json()["error"]
    answer = client.post(
        restore_url, json.dumps({**body, "confirm": True}), content_type="application/json", **auth
    )
    assert answer.status_code == 202, answer.content
    _run(answer.json()["job_id"])
    after = sf.Account.get(account)
    assert (after["Name"], after["Phone"], after["Industry"]) == ("Time Co", "555-0100", "Energy")

    # Another tenant's token: 404 on every endpoint, and nothing queued.
    other = {"HTTP_AUTHORIZATION": f"Bearer {stranger}"}
    jobs = Job.objects.count()
    assert client.get(versions_url, **other).status_code == 404
    assert client.get(compare_url, **other).status_code == 404
    posted = client.post(
        restore_url, json.dumps({**body, "confirm": True}), content_type="application/json", **other
    )
    assert posted.status_code == 404 and posted.json()["error"]
    assert Job.objects.count() == jobs


@pytest.mark.django_db
def test_the_api_needs_a_token_and_the_restore_permission(tenant_a, user_a, client, vault_storage):
    org = make_org(tenant_a)
    _two_versions(org)
    _token, secret = api_token_create(user=user_a, name="no restore permission")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    args = [org.pk, "Account", ACME]
    listed = client.get(reverse("restores:api_versions", args=args), **auth)
    assert listed.status_code == 200 and len(listed.json()["versions"]) == 2
    bad = client.get(reverse("restores:api_versions", args=args), HTTP_AUTHORIZATION="Bearer ovt_x")
    assert bad.status_code == 401
    refused = client.post(
        reverse("restores:api_restore", args=args),
        json.dumps({"version_id": listed.json()["versions"][1]["version_id"], "confirm": True}),
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 403
    assert not RestoreRequest.objects.filter(org=org).exists()
