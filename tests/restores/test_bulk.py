# ruff: noqa: S608  (SOQL built from test-made Ids)
"""Big write sets go through one Bulk API 2.0 ingest job instead of sObject Collections
calls (the threshold lowered here so a few records make a "big" set), against the
simulator's ingest jobs over HTTPS: a 3-level ParentId hierarchy re-created level by
level with every reference set in its own insert, updates by Id, a record the org
refuses failing alone with Salesforce's error, and the dry run counting the same jobs."""

import uuid

import pytest

from jobs.models import Job
from jobs.services import job_run_inline
from restores.models import RestoreRecord, RestoreRun
from restores.services import restore_start
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup, run_restore


@pytest.fixture
def bulk_from_three(monkeypatch):
    monkeypatch.setattr("restores.engine.BULK_MIN", 3)


def _hard_delete(sf, name: str, ids: list[str]) -> None:
    results = getattr(sf.bulk2, name).hard_delete(records=[{"Id": i} for i in ids], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == len(ids), results


def test_big_sets_are_written_by_bulk_ingest_jobs(backup_org, sfsim, bulk_from_three):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    tops = [sf.Account.create({"Name": f"T{i} {tag}"})["id"] for i in range(3)]
    mids = [sf.Account.create({"Name": f"M{i} {tag}", "ParentId": tops[i]})["id"] for i in range(3)]
    leaves = [
        sf.Account.create({"Name": f"L{i} {tag}", "ParentId": mids[i], "Industry": "Energy"})["id"]
        for i in range(3)
    ]
    kept = [
        sf.Account.create({"Name": f"K{i} {tag}", "Industry": "Retail"})["id"] for i in range(3)
    ]
    gone = sf.Account.create({"Name": f"Gone {tag}"})["id"]
    contacts = [sf.Contact.create({"LastName": f"C{i} {tag}"})["id"] for i in range(3)]
    orphans = [
        sf.Contact.create({"LastName": f"Orphan{i} {tag}", "AccountId": gone})["id"]
        for i in range(3)
    ]
    correct = run_backup(org)
    _hard_delete(sf, "Account", [*leaves, *mids, *tops, gone])
    for i, account in enumerate(kept):
        sf.Account.update(account, {"Industry": "Chemicals", "Name": f"Bad K{i} {tag}"})
    _hard_delete(sf, "Contact", contacts)

    scope = {"Account": f"Name LIKE '% {tag}' AND (NOT Name LIKE 'Gone%')",
             "Contact": f"LastName LIKE 'C_ {tag}'"}  # fmt: skip
    request, dry = run_restore(
        org, correct_job=correct, objects=["Account", "Contact"], filters=scope, dry_run=True
    )
    planned = RestoreRun.objects.get(job=dry)
    # Account: 3 insert levels of 3 + 3 updates = 4 jobs; Contact: 3 inserts = 1 job.
    assert planned.bulk_jobs_for_run == 5

    job = job_run_inline(job=restore_start(request=request, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    run = RestoreRun.objects.get(job=job)
    assert run.bulk_jobs_for_run == 5
    assert run.write_calls >= 5 * 6  # create, upload, close, status, two result reads
    results = {r.original_id: r for r in RestoreRecord.objects.filter(job=job)}
    assert len(results) == 15 and all(r.status == "success" for r in results.values())
    new = {rid: results[rid].new_id for rid in [*tops, *mids, *leaves]}
    for i in range(3):
        mid = sf.Account.get(new[mids[i]])
        leaf = sf.Account.get(new[leaves[i]])
        assert (mid["Name"], mid["ParentId"]) == (f"M{i} {tag}", new[tops[i]])
        assert (leaf["Name"], leaf["ParentId"], leaf["Industry"]) == (
            f"L{i} {tag}", new[mids[i]], "Energy",
        )  # fmt: skip
        account = sf.Account.get(kept[i])
        assert (account["Name"], account["Industry"]) == (f"K{i} {tag}", "Retail")
    assert not any(
        "second update pass for" in line.message for line in job.logs.all()
    )  # every ParentId was set in its own insert

    # Contacts alone (their Account not restored): the org refuses them, each fails with
    # Salesforce's error read from the ingest job's failed results.
    _, orphans_job = run_restore(
        org, correct_job=correct, objects=["Contact"],
        filters={"Contact": f"LastName LIKE 'Orphan_ {tag}'"},
    )  # fmt: skip
    assert RestoreRun.objects.get(job=orphans_job).bulk_jobs_for_run == 1
    failed = RestoreRecord.objects.filter(job=orphans_job)
    assert {r.original_id for r in failed} == set(orphans)
    for row in failed:
        assert (row.status, row.action) == ("failed", "insert")
        assert row.error_code == "INVALID_CROSS_REFERENCE_KEY"
        assert row.error_message == "invalid cross reference id"
