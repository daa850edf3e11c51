# ruff: noqa: S608  (SOQL built from test-made Ids)
"""What a restore keeps of Salesforce's own rules, against the simulator over HTTPS:
"Set Audit Fields upon Record Creation" (the original CreatedDate on re-created records
when granted; the log says so when not), a polymorphic lookup (Task.WhatId) restored to
the re-created record of the right object, and a compound Address left to Salesforce
(read-only) while its components are restored."""

import uuid

from jobs.models import Job, JobLog
from restores.audit_fields import GRANTED, NOT_GRANTED
from restores.models import RestoreRecord
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup, run_restore


def _hard_delete(sf, name: str, ids: list[str]) -> None:
    results = getattr(sf.bulk2, name).hard_delete(records=[{"Id": i} for i in ids], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == len(ids), results


def _restore(org, correct, objects: dict[str, str]) -> Job:
    _request, job = run_restore(
        org,
        correct_job=correct,
        objects=list(objects),
        filters={name: f"Id = '{rid}'" for name, rid in objects.items()},
    )
    assert job.status == Job.Status.COMPLETED, job.error_message
    return job


def _new_id(job, name: str) -> str:
    row = RestoreRecord.objects.get(job=job, object_name=name, action="insert")
    assert row.status == "success", row.error_message
    return row.new_id


def _messages(job) -> list[str]:
    return list(JobLog.objects.filter(job=job).values_list("message", flat=True))


def test_audit_fields_are_kept_when_the_org_grants_it_and_the_log_says_when_not(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    kept, lost = (sf.Account.create({"Name": f"Audit {n} {tag}"})["id"] for n in (1, 2))
    created = {
        r["Id"]: r["CreatedDate"]
        for r in sf.query(f"SELECT Id, CreatedDate FROM Account WHERE Id IN ('{kept}', '{lost}')")[
            "records"
        ]
    }
    correct = run_backup(org)
    _hard_delete(sf, "Account", [kept, lost])
    sfsim.advance_clock(days=1)  # a re-created record's own CreatedDate would be a day later
    sf = sf_client(sfsim)  # a new session: the clock's jump expired the old one

    job = _restore(org, correct, {"Account": kept})
    assert sf.Account.get(_new_id(job, "Account"))["CreatedDate"] == created[kept]
    assert GRANTED in _messages(job)

    username = sfsim.credentials[0]["username"]
    sfsim.manage("permission", "--username", username, "--name", "SetAuditFields", "--off")
    try:
        job = _restore(org, correct, {"Account": lost})
        again = sf.Account.get(_new_id(job, "Account"))
        assert again["Name"] == f"Audit 2 {tag}"
        assert again["CreatedDate"] != created[lost]
        assert NOT_GRANTED in _messages(job)
        warning = JobLog.objects.get(job=job, message=NOT_GRANTED)
        assert warning.level == JobLog.Level.WARNING
    finally:
        sfsim.manage("permission", "--username", username, "--name", "SetAuditFields", "--on")


def test_a_polymorphic_lookup_is_restored_to_the_re_created_record(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    account = sf.Account.create({"Name": f"Poly {tag}"})["id"]
    contact = sf.Contact.create({"LastName": f"Poly {tag}"})["id"]
    task = sf.Task.create(
        {"Subject": f"Call {tag}", "WhatId": account, "WhoId": contact, "Status": "Not Started"}
    )["id"]
    correct = run_backup(org)
    _hard_delete(sf, "Task", [task])
    _hard_delete(sf, "Account", [account])

    job = _restore(org, correct, {"Task": task, "Account": account})
    new_account, new_task = _new_id(job, "Account"), _new_id(job, "Task")
    restored = sf.Task.get(new_task)
    # WhatId points at the re-created Account (an Account Id), WhoId still at the Contact.
    assert restored["WhatId"] == new_account and new_account.startswith("001")
    assert restored["WhoId"] == contact
    assert restored["Subject"] == f"Call {tag}"


def test_address_components_are_restored_and_the_compound_left_to_salesforce(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    account = sf.Account.create(
        {"Name": f"Addr {tag}", "BillingCity": "Lyon", "BillingPostalCode": "69001"}
    )["id"]
    correct = run_backup(org)
    sf.Account.update(account, {"BillingCity": "Paris", "BillingPostalCode": "75001"})

    job = _restore(org, correct, {"Account": account})
    after = sf.Account.get(account)
    assert (after["BillingCity"], after["BillingPostalCode"]) == ("Lyon", "69001")
    assert after["BillingAddress"]["city"] == "Lyon"  # the compound reads its components
    row = RestoreRecord.objects.get(job=job, object_name="Account")
    assert (row.action, row.status) == ("update", "success")
    describe = sf.Account.describe()
    compound = {f["name"] for f in describe["fields"] if f["type"] == "address"}
    assert "BillingAddress" in compound
    assert not any(f["updateable"] for f in describe["fields"] if f["name"] in compound)
