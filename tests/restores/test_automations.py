# ruff: noqa: S608  (SOQL built from test-made Ids)
"""Automations during a restore, against the simulator over HTTPS: listed per object from
the org's metadata; a restore without suspension fires them (the trigger sets Rating, the
validation rule refuses a negative Amount, the flow creates a Task for a re-created
Case), the same restore with them suspended does not, and they are back on afterwards."""

import uuid

from jobs.models import Job, JobLog
from jobs.services import job_run_inline
from restores.automations import automations_for
from restores.models import RestoreRecord, RestoreRun, SuspendedAutomation
from restores.services import restore_request_create, restore_start
from tests.fixtures.sfsim import sf_client
from tests.restores.automation_support import FLOW, RULE, TRIGGER, all_on, set_active, states
from tests.restores.support import run_backup


def _hard_delete(sf, name: str, ids: list[str]) -> None:
    results = getattr(sf.bulk2, name).hard_delete(records=[{"Id": i} for i in ids], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == len(ids), results


def test_automations_for_lists_each_objects_automations_from_its_metadata(backup_org, sfsim):
    sf = sf_client(sfsim)
    all_on(sf)
    set_active(sf, *RULE, False)
    try:
        account = automations_for(backup_org, "Account")
        opportunity = automations_for(backup_org, "Opportunity")
        case = automations_for(backup_org, "Case")
    finally:
        all_on(sf)
    assert [(a.key, a.active, a.original) for a in account] == [
        ("ApexTrigger:AccountRatingTrigger", True, "Active")
    ]
    assert [(a.key, a.active) for a in opportunity] == [
        ("ValidationRule:Opportunity.Amount_Not_Negative", False)
    ]
    assert [(a.key, a.active, a.label) for a in case] == [
        ("FlowDefinition:Case_Escalation_Task", True, "Record-triggered flow: Case_Escalation_Task")
    ]
    assert automations_for(backup_org, "Contact") == []


def _scene(sf, tag: str) -> dict:
    """An Account the trigger would rate Hot, an Opportunity with a negative Amount (both
    made while those automations were off) and two High-priority Cases."""
    set_active(sf, *TRIGGER, False)
    set_active(sf, *RULE, False)
    set_active(sf, *FLOW, False)
    try:
        account = sf.Account.create(
            {"Name": f"Auto {tag}", "AnnualRevenue": 50_000_000, "Rating": "Cold"}
        )["id"]
        opportunity = sf.Opportunity.create(
            {
                "Name": f"Refund {tag}",
                "StageName": "Prospecting",
                "CloseDate": "2026-12-31",
                "Amount": -5,
                "AccountId": account,
            }
        )["id"]
        cases = [
            sf.Case.create(
                {"Subject": f"Case {n} {tag}", "Priority": "High", "Status": "New", "Origin": "Web"}
            )["id"]
            for n in (1, 2)
        ]
    finally:
        all_on(sf)
    return {"account": account, "opportunity": opportunity, "cases": cases}


def _damage(sf, scene: dict, tag: str) -> None:
    sf.Account.update(scene["account"], {"Name": f"Wrong {tag}"})  # the trigger rates it Hot
    sf.Opportunity.update(scene["opportunity"], {"Amount": 10})
    _hard_delete(sf, "Case", scene["cases"])


def _restore(org, correct, scene: dict, case_id: str, automations=None):
    request = restore_request_create(
        org=org,
        correct_job=correct.pk,
        objects=["Account", "Opportunity", "Case"],
        filters={
            "Account": f"Id = '{scene['account']}'",
            "Opportunity": f"Id = '{scene['opportunity']}'",
            "Case": f"Id = '{case_id}'",
        },
    )
    if automations is not None:  # what the wizard's Object settings step saves
        request.automations = automations
        request.save(update_fields=["automations"])
        dry = job_run_inline(job=restore_start(request=request, dry_run=True, enqueue=False))
        planned = JobLog.objects.filter(job=dry, message__startswith="The run will switch off")
        assert planned.exists() and not SuspendedAutomation.objects.filter(job=dry).exists()
    job = job_run_inline(job=restore_start(request=request, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    return job


def _new_case(job) -> str:
    row = RestoreRecord.objects.get(job=job, object_name="Case", action="insert")
    assert row.status == "success", row.error_message
    return row.new_id


def test_a_restore_fires_automations_unless_they_are_suspended(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    all_on(sf)
    tag = uuid.uuid4().hex[:8]
    scene = _scene(sf, tag)
    correct = run_backup(org)
    _damage(sf, scene, tag)
    assert sf.Account.get(scene["account"])["Rating"] == "Hot"

    # 1. Without suspension: the trigger, the validation rule and the flow all act.
    job = _restore(org, correct, scene, scene["cases"][0])
    account = sf.Account.get(scene["account"])
    assert account["Name"] == f"Auto {tag}" and account["Rating"] == "Hot"
    refused = RestoreRecord.objects.get(job=job, object_name="Opportunity")
    assert refused.status == "failed"
    assert refused.error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert sf.Opportunity.get(scene["opportunity"])["Amount"] == 10
    case = _new_case(job)
    assert sf.query(f"SELECT Id FROM Task WHERE WhatId = '{case}'")["totalSize"] == 1
    assert not SuspendedAutomation.objects.filter(job=job).exists()

    # 2. The same restore with the three suspended: none of them acts; all back on after.
    try:
        job = _restore(
            org, correct, scene, scene["cases"][1],
            automations={
                "Account": ["ApexTrigger:AccountRatingTrigger"],
                "Opportunity": ["ValidationRule:Opportunity.Amount_Not_Negative"],
                "Case": ["Case_Escalation_Task"],  # a bare full name works too
            },
        )  # fmt: skip
        assert sf.Account.get(scene["account"])["Rating"] == "Cold"
        restored = RestoreRecord.objects.get(job=job, object_name="Opportunity")
        assert restored.status == "success", restored.error_message
        assert sf.Opportunity.get(scene["opportunity"])["Amount"] == -5
        case = _new_case(job)
        assert sf.query(f"SELECT Id FROM Task WHERE WhatId = '{case}'")["totalSize"] == 0
        assert states(sf) == {TRIGGER: True, RULE: True, FLOW: True}
        rows = SuspendedAutomation.objects.filter(job=job)
        assert {(r.kind, r.full_name, r.original, r.state) for r in rows} == {
            ("ApexTrigger", "AccountRatingTrigger", "Active", "back_on"),
            ("ValidationRule", "Opportunity.Amount_Not_Negative", "true", "back_on"),
            ("FlowDefinition", "Case_Escalation_Task", "1", "back_on"),
        }
        messages = list(JobLog.objects.filter(job=job).values_list("message", flat=True))
        assert any(m.startswith("Switched off for this restore (3)") for m in messages), messages
        assert any(m.startswith("Switched back on:") for m in messages), messages
        job.refresh_from_db()
        run = RestoreRun.objects.get(job=job)
        # listMetadata, retrieves and deploys (off, then on) count among the job's calls
        assert job.api_calls >= run.read_calls + run.write_calls + 8
    finally:
        all_on(sf)


def test_an_automation_already_off_is_left_off(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    scene = _scene(sf, tag)
    correct = run_backup(org)
    _damage(sf, scene, tag)
    set_active(sf, *RULE, False)
    try:
        job = _restore(
            org, correct, scene, scene["cases"][0],
            automations={"Opportunity": ["ValidationRule:Opportunity.Amount_Not_Negative"]},
        )  # fmt: skip
        assert not SuspendedAutomation.objects.filter(job=job).exists()
        assert states(sf)[RULE] is False  # not switched "back on": it was off before
        messages = list(JobLog.objects.filter(job=job).values_list("message", flat=True))
        assert any("Already inactive, left as they are" in m for m in messages), messages
    finally:
        all_on(sf)


LEAD_RULES = [
    ("WorkflowRule", "Lead.Lead_Default_Source"),
    ("DuplicateRule", "Lead.Lead_Duplicate_Email"),
]


def _lead_rules(org, active: bool) -> None:
    from orgs.services import org_client
    from restores.automations import switch

    assert (
        switch(org_client(org), [(k, n, "true" if active else "false") for k, n in LEAD_RULES])
        == []
    )


def test_workflow_and_duplicate_rules_fire_unless_suspended(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    listed = {(a.key, a.active) for a in automations_for(org, "Lead")}
    assert listed == {
        ("WorkflowRule:Lead.Lead_Default_Source", False),
        ("DuplicateRule:Lead.Lead_Duplicate_Email", False),
    }
    email = f"dup-{tag}@example.com"
    kept = sf.Lead.create({"LastName": f"Kept {tag}", "Company": "Acme", "Email": email})["id"]
    twins = [
        sf.Lead.create({"LastName": f"Twin {n} {tag}", "Company": "Acme", "Email": email})["id"]
        for n in (1, 2)
    ]
    correct = run_backup(org)
    sf.Lead.update(kept, {"LeadSource": "Phone Inquiry"})
    _hard_delete(sf, "Lead", twins)
    _lead_rules(org, True)
    try:

        def restore(twin: str, automations=None):
            request = restore_request_create(
                org=org, correct_job=correct.pk, objects=["Lead"],
                filters={"Lead": f"Id IN ('{kept}', '{twin}')"},
            )  # fmt: skip
            if automations:
                request.automations = automations
                request.save(update_fields=["automations"])
            job = job_run_inline(job=restore_start(request=request, enqueue=False))
            assert job.status == Job.Status.COMPLETED, job.error_message
            return {r.original_id: r for r in RestoreRecord.objects.filter(job=job)}

        # Without suspension: the duplicate rule blocks the re-created twin, the workflow
        # fills in the LeadSource the restore empties.
        rows = restore(twins[0])
        assert rows[twins[0]].status == "failed"
        assert rows[twins[0]].error_code == "DUPLICATES_DETECTED"
        assert rows[kept].status == "success"
        assert sf.Lead.get(kept)["LeadSource"] == "Web"

        # Suspended: the twin comes back and LeadSource stays empty; both back on after.
        rows = restore(twins[1], {"Lead": [key for key, _active in listed]})
        assert rows[twins[1]].status == "success", rows[twins[1]].error_message
        assert sf.Lead.get(rows[twins[1]].new_id)["Email"] == email
        assert sf.Lead.get(kept)["LeadSource"] is None
        assert {(a.key, a.active) for a in automations_for(org, "Lead")} == {
            (key, True) for key, _active in listed
        }
    finally:
        _lead_rules(org, False)


def test_the_sweep_switches_back_on_what_an_ended_job_left_off(backup_org, sfsim):
    """A job that ended while Salesforce could not be reached left its trigger off (and a
    row marked failed): the scheduled sweep switches it back on."""
    from django_q.models import Schedule

    from jobs.services import job_create
    from restores.automations import automations_sweep

    org = backup_org
    sf = sf_client(sfsim)
    set_active(sf, *TRIGGER, False)
    try:
        job = job_create(org=org, operation="restore", name="Restore")
        Job.objects.filter(pk=job.pk).update(status=Job.Status.ERROR)
        running = job_create(org=org, operation="restore", name="Restore still running")
        Job.objects.filter(pk=running.pk).update(status=Job.Status.IN_PROGRESS)
        for owner, state in ((job, "failed"), (running, "off")):
            SuspendedAutomation.objects.create(
                job=owner, org=org, object_name="Account", kind="ApexTrigger",
                full_name="AccountRatingTrigger", original="Active", state=state,
            )  # fmt: skip
        assert automations_sweep() == 1
        assert states(sf)[TRIGGER] is True
        assert SuspendedAutomation.objects.get(job=job).state == "back_on"
        assert SuspendedAutomation.objects.get(job=running).state == "off"  # its own run's
        assert JobLog.objects.filter(
            job=job, message__startswith="After the job ended: Switched back on"
        ).exists()
        assert automations_sweep() == 0
        assert Schedule.objects.filter(func="restores.tasks.automations_sweep_task").exists()
    finally:
        all_on(sf)
