# ruff: noqa: S608  (SOQL built from test-made Ids)
"""Restore against a real backup of the simulator over HTTPS: changed records go back,
Recycle Bin records are undeleted with their Ids, hard-deleted ones are re-created with
their references fixed (ParentId hierarchy, Contacts), unchanged ones are not written,
and nothing is deleted from the org."""

import uuid

from django.core.management import call_command

from jobs.models import Job
from jobs.services import job_run_inline
from restores.models import RestoreRecord, RestoreRun
from restores.services import restore_start
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup, run_restore


def _all_ids(sf, name: str) -> dict[str, bool]:
    rows = sf.query_all(f"SELECT Id, IsDeleted FROM {name}", include_deleted=True)["records"]
    return {row["Id"]: row["IsDeleted"] for row in rows}


def _hard_delete(sf, name: str, ids: list[str]) -> None:
    results = getattr(sf.bulk2, name).hard_delete(records=[{"Id": i} for i in ids], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == len(ids), results


def test_restore_puts_changed_soft_and_hard_deleted_records_back_in_place(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    changed = sf.Account.create({"Name": f"Changed {tag}", "Industry": "Banking"})["id"]
    changed_contact = sf.Contact.create(
        {"LastName": f"CC {tag}", "Title": "CEO", "AccountId": changed}
    )["id"]
    soft = sf.Account.create({"Name": f"Soft {tag}", "Industry": "Energy"})["id"]
    soft_contact = sf.Contact.create({"LastName": f"SC {tag}", "AccountId": soft})["id"]
    top = sf.Account.create({"Name": f"Top {tag}", "Industry": "Retail"})["id"]
    child = sf.Account.create({"Name": f"Child {tag}", "ParentId": top})["id"]
    child_contact = sf.Contact.create(
        {"LastName": f"HC {tag}", "Title": "CFO", "AccountId": child}
    )["id"]
    unchanged = sf.Account.create({"Name": f"Same {tag}"})["id"]
    correct = run_backup(org)

    sf.Account.update(changed, {"Name": f"Wrong {tag}", "Industry": "Chemicals"})
    sf.Contact.update(changed_contact, {"Title": "Intern"})
    sf.Account.delete(soft)  # to the Recycle Bin, with its Contact
    _hard_delete(sf, "Account", [child])  # its Contact goes too
    _hard_delete(sf, "Account", [top])
    before = {name: _all_ids(sf, name) for name in ("Account", "Contact")}
    assert child not in before["Account"] and child_contact not in before["Contact"]

    request, dry = run_restore(
        org, correct_job=correct, objects=["Contact", "Account"], dry_run=True
    )
    assert dry.status == Job.Status.COMPLETED, dry.error_message
    dry_run = RestoreRun.objects.get(job=dry)
    assert dry_run.write_calls == 0
    assert dry_run.counts["Account"] == {
        "undelete": 1, "insert": 2, "update": 1, "skipped": 0,
        "unchanged": dry_run.counts["Account"]["unchanged"],
    }  # fmt: skip
    assert dry_run.counts["Account"]["unchanged"] > 0
    # The Contact in the bin comes back with its Account: not undeleted on its own.
    assert {k: v for k, v in dry_run.counts["Contact"].items() if k != "unchanged"} == {
        "undelete": 0, "insert": 1, "update": 1, "skipped": 0,
    }  # fmt: skip
    assert _all_ids(sf, "Account") == before["Account"]  # a dry run writes nothing

    job = job_run_inline(job=restore_start(request=request, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    run = RestoreRun.objects.get(job=job)
    # Account: 1 undelete + 2 insert levels (Top, then Child) + 1 update; Contact: 1 + 1.
    assert run.write_calls == 6
    assert job.api_calls == run.read_calls + run.write_calls == dry_run.api_calls_for_run
    results = {(r.object_name, r.original_id): r for r in RestoreRecord.objects.filter(job=job)}
    assert all(r.status == "success" for r in results.values()), [
        (r.original_id, r.error_message) for r in results.values() if r.status != "success"
    ]
    # Unchanged records were not written: only these five have a result.
    assert set(results) == {
        ("Account", changed), ("Account", soft), ("Account", top), ("Account", child),
        ("Contact", changed_contact), ("Contact", child_contact),
    }  # fmt: skip
    assert unchanged not in {rid for _, rid in results}

    got = sf.Account.get(changed)
    assert (got["Name"], got["Industry"]) == (f"Changed {tag}", "Banking")
    assert sf.Contact.get(changed_contact)["Title"] == "CEO"
    assert sf.Account.get(soft)["IsDeleted"] is False  # same Id, out of the bin
    assert sf.Contact.get(soft_contact)["IsDeleted"] is False
    new_top = results[("Account", top)].new_id
    new_child = results[("Account", child)].new_id
    assert new_top and new_child and new_top != top
    assert sf.Account.get(new_top)["Name"] == f"Top {tag}"
    new_child_row = sf.Account.get(new_child)
    assert (new_child_row["Name"], new_child_row["ParentId"]) == (f"Child {tag}", new_top)
    contact = sf.Contact.get(results[("Contact", child_contact)].new_id)
    assert (contact["LastName"], contact["Title"], contact["AccountId"]) == (
        f"HC {tag}", "CFO", new_child,
    )  # fmt: skip

    # Nothing was deleted: every record there before is still there, none newly binned.
    for name in ("Account", "Contact"):
        after = _all_ids(sf, name)
        assert set(before[name]) <= set(after)
        assert not [i for i, gone in after.items() if gone and not before[name].get(i)]

    # A second dry run finds nothing left to do (the Id map covers re-created records).
    _, again = run_restore(org, correct_job=correct, objects=["Account", "Contact"], dry_run=True)
    counts = RestoreRun.objects.get(job=again).counts
    for name in ("Account", "Contact"):
        assert {k: v for k, v in counts[name].items() if k != "unchanged"} == {
            "undelete": 0, "insert": 0, "update": 0, "skipped": 0,
        }  # fmt: skip


def test_commands_create_a_request_and_dry_run_it(backup_org, sfsim, capsys):
    import json

    org = backup_org
    sf = sf_client(sfsim)
    account = sf.Account.create({"Name": f"Cmd {uuid.uuid4().hex[:8]}"})["id"]
    correct = run_backup(org)
    sf.Account.update(account, {"Name": "Broken"})
    call_command(
        "restore_request", "--org", str(org.pk), "--correct-job", str(correct.pk),
        "--objects", "Account", "--json",
    )  # fmt: skip
    request = json.loads(capsys.readouterr().out)
    assert request["objects"] == ["Account"] and request["compromised_job"] is None
    call_command("restore_run", str(request["request_id"]), "--dry-run", "--wait", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "completed" and out["restore"]["dry_run"] is True
    assert out["restore"]["counts"]["Account"]["update"] == 1
    assert out["restore"]["api_calls_for_run"] == out["api_calls"] + 1
    assert sf.Account.get(account)["Name"] == "Broken"


def test_compromised_backup_scopes_the_restore_and_one_failure_stops_no_other(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    gone_account = sf.Account.create({"Name": f"Gone {tag}"})["id"]
    orphan = sf.Contact.create({"LastName": f"Orphan {tag}", "AccountId": gone_account})["id"]
    edited = sf.Contact.create({"LastName": f"Edited {tag}", "Title": "VP"})["id"]
    later = sf.Contact.create({"LastName": f"Later {tag}", "Title": "Buyer"})["id"]
    correct = run_backup(org)
    _hard_delete(sf, "Account", [gone_account])  # takes `orphan` along
    sf.Contact.update(edited, {"Title": "Nobody"})
    compromised = run_backup(org, sync=True)  # Composite & Sync: it sees hard deletes
    # Changed after the compromised backup only: outside the restore's scope.
    sf.Contact.update(later, {"Title": "Seller"})

    # Only Contacts: the orphan's Account is not restored, so its insert fails alone.
    request, job = run_restore(
        org, correct_job=correct, compromised_job=compromised.pk, objects=["Contact"]
    )
    assert job.status == Job.Status.COMPLETED, job.error_message
    results = {r.original_id: r for r in RestoreRecord.objects.filter(job=job)}
    assert set(results) == {orphan, edited}
    assert results[orphan].status == "failed" and results[orphan].action == "insert"
    assert results[orphan].error_code and results[orphan].error_message
    assert results[edited].status == "success" and results[edited].action == "update"
    assert sf.Contact.get(edited)["Title"] == "VP"
    assert sf.Contact.get(later)["Title"] == "Seller"
    assert request.compromised_seq > request.correct_seq

    # A purge of the orphan leaves no Id of it (nor Salesforce's message) in the results.
    from restores.services import restore_records_forget

    assert restore_records_forget(org=org, records={"Contact": [orphan]}) == 0
    assert set(RestoreRecord.objects.filter(job=job).values_list("original_id", flat=True)) == {
        edited
    }


def test_a_cycle_between_objects_is_closed_by_one_second_pass(backup_org, sfsim):
    """Account.Primary_Contact__c → Contact and Contact.AccountId → Account: the Account
    goes first (its Contacts hang on it), and its lookup to the re-created Contact is set
    by the one second pass the restore allows; the dry run counts that call too."""
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    account = sf.Account.create({"Name": f"Cycle {tag}"})["id"]
    contact = sf.Contact.create({"LastName": f"Primary {tag}", "AccountId": account})["id"]
    sf.Account.update(account, {"Primary_Contact__c": contact})
    correct = run_backup(org)
    _hard_delete(sf, "Account", [account])

    request, dry = run_restore(
        org, correct_job=correct, objects=["Contact", "Account"], dry_run=True
    )
    planned = RestoreRun.objects.get(job=dry).api_calls_for_run
    job = job_run_inline(job=restore_start(request=request, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    run = RestoreRun.objects.get(job=job)
    assert run.write_calls == 3  # Account insert, Contact insert, the second pass
    assert job.api_calls == planned
    results = {r.original_id: r for r in RestoreRecord.objects.filter(job=job)}
    assert all(r.status == "success" for r in results.values())
    new_account, new_contact = results[account].new_id, results[contact].new_id
    assert sf.Contact.get(new_contact)["AccountId"] == new_account
    assert sf.Account.get(new_account)["Primary_Contact__c"] == new_contact
    assert any("second update pass" in line.message for line in job.logs.all())

    # Running the unit again (a resumed run) inserts nothing twice: the kept results
    # feed the Id map, and every record now compares equal.
    from jobs.runner import JobContext
    from restores.engine import RestoreHandler

    unit = job.job_objects.get()
    RestoreHandler().process(JobContext(job, unit), unit)
    assert RestoreRun.objects.get(job=job).write_calls == 0
    names = sf.query_all(f"SELECT Id FROM Account WHERE Name = 'Cycle {tag}'")["records"]
    assert [row["Id"] for row in names] == [new_account]
    kept = RestoreRecord.objects.filter(job=job)
    assert {(r.original_id, r.new_id) for r in kept} == {
        (account, new_account), (contact, new_contact),
    }  # fmt: skip
