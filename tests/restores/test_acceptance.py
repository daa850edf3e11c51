# ruff: noqa: S608  (SOQL built from test-made Ids)
"""Issue 9's acceptance, against the simulator over HTTPS with the real client: a
compromised/correct restore of changed, soft-deleted and hard-deleted Accounts (a 3-level
ParentId hierarchy) with their Contacts, Opportunities and Cases. Afterwards the chosen
fields equal the correct backup's, every relationship points at the right record, the
Recycle Bin ones keep their Ids, unchanged records were not written (the exact API call
count proves it), and nothing was deleted from the org."""

import uuid

from jobs.models import Job
from jobs.services import job_run_inline
from restores.models import RestoreRecord, RestoreRun
from restores.services import restore_start
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup, run_restore

OBJECTS = ["Case", "Opportunity", "Contact", "Account"]


def _alive(sf, name: str) -> set[str]:
    rows = sf.query_all(f"SELECT Id, IsDeleted FROM {name}", include_deleted=True)["records"]
    return {row["Id"] for row in rows if not row["IsDeleted"]}


def _hard_delete(sf, name: str, ids: list[str]) -> None:
    results = getattr(sf.bulk2, name).hard_delete(records=[{"Id": i} for i in ids], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == len(ids), results


def _one(sf, name: str, where: str, fields: str) -> dict:
    rows = sf.query_all(f"SELECT {fields} FROM {name} WHERE {where}")["records"]
    assert len(rows) == 1, (name, where, rows)
    return rows[0]


def test_compromised_correct_restore_of_a_hierarchy_with_its_children(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    acc = {}
    acc["top"] = sf.Account.create({"Name": f"Top {tag}", "Industry": "Retail"})["id"]
    acc["mid"] = sf.Account.create(
        {"Name": f"Mid {tag}", "Industry": "Energy", "ParentId": acc["top"]}
    )["id"]
    acc["leaf"] = sf.Account.create(
        {"Name": f"Leaf {tag}", "Industry": "Banking", "ParentId": acc["mid"]}
    )["id"]
    acc["changed"] = sf.Account.create(
        {"Name": f"Changed {tag}", "Industry": "Banking", "Phone": "111"}
    )["id"]
    acc["soft"] = sf.Account.create({"Name": f"Soft {tag}", "Industry": "Media"})["id"]
    acc["same"] = sf.Account.create({"Name": f"Same {tag}", "Industry": "Media"})["id"]
    contacts = {
        key: sf.Contact.create(
            {"LastName": f"{key} {tag}", "Title": f"T-{key}", "AccountId": acc[key]}
        )["id"]
        for key in ("top", "mid", "leaf", "changed", "soft", "same")
    }
    opportunities = {
        key: sf.Opportunity.create(
            {
                "Name": f"Opp {key} {tag}",
                "StageName": "Prospecting",
                "CloseDate": "2027-01-31",
                "AccountId": acc[key],
            }
        )["id"]
        for key in ("mid", "leaf", "soft")
    }
    cases = {
        key: sf.Case.create(
            {"Subject": f"Case {key} {tag}", "AccountId": acc[key], "ContactId": contacts[key]}
        )["id"]
        for key in ("top", "leaf", "changed")
    }
    correct = run_backup(org)

    # The damage: changes, a delete to the Recycle Bin, a hard-deleted hierarchy.
    sf.Account.update(acc["changed"], {"Name": f"Wrong {tag}", "Industry": "Chemicals"})
    sf.Account.update(acc["changed"], {"Phone": "999"})  # not a chosen field: stays
    sf.Contact.update(contacts["changed"], {"Title": "Intern"})
    sf.Case.update(cases["changed"], {"Subject": f"Wrong case {tag}"})
    sf.Account.delete(acc["soft"])  # its Contact and Opportunity go to the bin with it
    _hard_delete(sf, "Case", [cases["top"], cases["leaf"]])  # restricted delete: first
    _hard_delete(sf, "Account", [acc["leaf"], acc["mid"], acc["top"]])
    compromised = run_backup(org, sync=True)  # Composite & Sync: it sees hard deletes
    same_stamp = _one(sf, "Account", f"Id = '{acc['same']}'", "SystemModstamp")
    before = {name: _alive(sf, name) for name in OBJECTS}
    assert acc["top"] not in before["Account"] and contacts["leaf"] not in before["Contact"]

    request, dry = run_restore(
        org, correct_job=correct, compromised_job=compromised.pk, objects=OBJECTS,
        fields={"Account": ["Name", "Industry", "ParentId"]}, dry_run=True,
    )  # fmt: skip
    assert dry.status == Job.Status.COMPLETED, dry.error_message
    planned = RestoreRun.objects.get(job=dry)
    assert planned.write_calls == 0 and planned.api_remaining is not None
    assert {k: v for k, v in planned.counts["Account"].items() if v} == {
        "undelete": 1, "insert": 3, "update": 1,
    }  # fmt: skip
    assert {name: _alive(sf, name) for name in OBJECTS} == before  # a dry run writes nothing

    job = job_run_inline(job=restore_start(request=request, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    run = RestoreRun.objects.get(job=job)
    results = {(r.object_name, r.original_id): r for r in RestoreRecord.objects.filter(job=job)}
    assert all(r.status == "success" for r in results.values()), [
        (r.object_name, r.error_code, r.error_message)
        for r in results.values()
        if r.status != "success"
    ]
    # Writes: Account 1 undelete + 3 hierarchy levels (Top, Mid, Leaf: each reference set
    # in its insert) + 1 update; Contact 1 insert + 1 update; Opportunity 1 insert;
    # Case 1 insert + 1 update. The unchanged Account is never written.
    assert run.write_calls == 10
    assert job.api_calls == run.read_calls + run.write_calls == planned.api_calls_for_run
    assert ("Account", acc["same"]) not in results
    assert _one(sf, "Account", f"Id = '{acc['same']}'", "SystemModstamp") == same_stamp

    new = {key: results[("Account", acc[key])].new_id for key in ("top", "mid", "leaf")}
    assert all(new.values()) and not set(new.values()) & set(acc.values())
    top = _one(sf, "Account", f"Id = '{new['top']}'", "Name, Industry, ParentId")
    mid = _one(sf, "Account", f"Id = '{new['mid']}'", "Name, Industry, ParentId")
    leaf = _one(sf, "Account", f"Id = '{new['leaf']}'", "Name, Industry, ParentId")
    assert (top["Name"], top["Industry"], top["ParentId"]) == (f"Top {tag}", "Retail", None)
    assert (mid["Name"], mid["ParentId"]) == (f"Mid {tag}", new["top"])
    assert (leaf["Name"], leaf["Industry"], leaf["ParentId"]) == (
        f"Leaf {tag}", "Banking", new["mid"],
    )  # fmt: skip
    changed = _one(sf, "Account", f"Id = '{acc['changed']}'", "Name, Industry, Phone")
    assert (changed["Name"], changed["Industry"], changed["Phone"]) == (
        f"Changed {tag}", "Banking", "999",
    )  # fmt: skip
    # The Recycle Bin Account is back with its own Id, and so are its children.
    soft = _one(sf, "Account", f"Id = '{acc['soft']}'", "Name, IsDeleted")
    assert soft == {**soft, "Name": f"Soft {tag}", "IsDeleted": False}
    assert results[("Account", acc["soft"])].action == "undelete"
    assert contacts["soft"] in _alive(sf, "Contact")
    assert opportunities["soft"] in _alive(sf, "Opportunity")
    # Re-created children point at the re-created parents.
    for key in ("top", "mid", "leaf"):
        row = results[("Contact", contacts[key])]
        contact = _one(sf, "Contact", f"Id = '{row.new_id}'", "LastName, Title, AccountId")
        assert (contact["Title"], contact["AccountId"]) == (f"T-{key}", new[key])
    for key in ("mid", "leaf"):
        row = results[("Opportunity", opportunities[key])]
        opp = _one(sf, "Opportunity", f"Id = '{row.new_id}'", "Name, AccountId")
        assert (opp["Name"], opp["AccountId"]) == (f"Opp {key} {tag}", new[key])
    for key in ("top", "leaf"):
        row = results[("Case", cases[key])]
        case = _one(sf, "Case", f"Id = '{row.new_id}'", "Subject, AccountId, ContactId")
        new_contact = results[("Contact", contacts[key])].new_id
        assert (case["Subject"], case["AccountId"], case["ContactId"]) == (
            f"Case {key} {tag}", new[key], new_contact,
        )  # fmt: skip
    assert _one(sf, "Contact", f"Id = '{contacts['changed']}'", "Title")["Title"] == "T-changed"
    subject = _one(sf, "Case", f"Id = '{cases['changed']}'", "Subject")["Subject"]
    assert subject == f"Case changed {tag}"
    # Nothing was deleted: every record alive before the restore is alive after it.
    after = {name: _alive(sf, name) for name in OBJECTS}
    assert all(before[name] <= after[name] for name in OBJECTS)
