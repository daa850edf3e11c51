# ruff: noqa: S608  (SOQL built from test-made Ids)
"""Lookups to users no longer active fall back to the owner chosen in the request, over
HTTPS against the simulator; the Review page states that owner."""

import uuid

from django.urls import reverse

from jobs.models import Job
from restores.models import RestoreRecord
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup, run_restore


def _hard_delete(sf, name: str, ids: list[str]) -> None:
    results = getattr(sf.bulk2, name).hard_delete(records=[{"Id": i} for i in ids], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == len(ids), results


def test_records_of_an_inactive_owner_go_to_the_fallback_owner(backup_org, sfsim, client_admin_a):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    admin = sf.query("SELECT Id FROM User WHERE IsActive = true ORDER BY CreatedDate LIMIT 1")
    fallback = admin["records"][0]["Id"]
    profile = sf.query("SELECT ProfileId FROM User LIMIT 1")["records"][0]["ProfileId"]

    def user(name: str) -> str:
        return sf.User.create(
            {
                "Username": f"{name}-{tag}@example.com", "LastName": name, "Alias": name[:8],
                "Email": f"{name}-{tag}@example.com", "ProfileId": profile,
                "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
            }
        )["id"]  # fmt: skip

    leaver, stayer = user("leaver"), user("stayer")
    kept_owner = sf.Account.create({"Name": f"Kept {tag}", "OwnerId": stayer})["id"]
    left_owner = sf.Account.create({"Name": f"Left {tag}", "OwnerId": leaver})["id"]
    correct = run_backup(org)
    sf.User.update(leaver, {"IsActive": False})
    _hard_delete(sf, "Account", [kept_owner, left_owner])

    request, job = run_restore(
        org, correct_job=correct, objects=["Account"],
        filters={"Account": f"Name LIKE '% {tag}'"}, fallback_owner_id=fallback,
    )  # fmt: skip
    assert job.status == Job.Status.COMPLETED, job.error_message
    results = {r.original_id: r for r in RestoreRecord.objects.filter(job=job)}
    assert {r.status for r in results.values()} == {"success"}
    assert sf.Account.get(results[left_owner].new_id)["OwnerId"][:15] == fallback[:15]
    assert sf.Account.get(results[kept_owner].new_id)["OwnerId"][:15] == stayer[:15]
    assert any("fallback owner" in line.message for line in job.logs.all())
    page = client_admin_a.get(reverse("restores:job_review", args=[org.pk, job.pk]))
    assert f"go to the fallback owner <strong>{fallback}</strong>" in page.content.decode()
