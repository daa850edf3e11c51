"""Templated Backup end to end against the simulator: a template of Account (Industry =
'Banking') with child Contacts and Opportunities backs up exactly those records, counts
them right, refuses invalid filters with the parser's message, and reads only changes
on its next run."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from jobs.models import Job, JobLog, JobObject
from object_templates.models import ObjectTemplate
from object_templates.services import (
    OrgDescribe,
    records_count,
    template_delete,
    template_set_filter,
)
from tests.backups import engine_support
from tests.backups.starts import settings_of
from tests.fixtures.sfsim import sf_client
from vault import selectors
from vault.models import ObjectWatermark, RecordVersion

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org

BANKING = "Industry = 'Banking'"
CONTACTS = "AccountId IN (SELECT Id FROM Account WHERE Industry = 'Banking')"
OPPORTUNITIES = "AccountId IN (SELECT Id FROM Account WHERE Industry = 'Banking')"
TEMPLATE = {
    "name": "Banking accounts",
    "description": "Banking customers with their people and deals",
    "objects": [
        {
            "name": "Account",
            "filter": {"soql": BANKING},
            "children": [
                {"name": "Contact", "relationship": "Contacts"},
                {"name": "Opportunity", "relationship": "Opportunities"},
            ],
        }
    ],
}


def _accounts_with_children(sf, industry: str, n: int) -> list[str]:
    ids = []
    for i in range(n):
        account = sf.Account.create({"Name": f"Template {industry} {i}", "Industry": industry})
        ids.append(account["id"])
        for j in range(2):
            sf.Contact.create({"LastName": f"Person {j}", "AccountId": account["id"]})
        sf.Opportunity.create(
            {
                "Name": f"Deal {industry} {i}",
                "StageName": "Prospecting",
                "CloseDate": "2026-12-31",
                "AccountId": account["id"],
            }
        )
    return ids


def _org_ids(sf, name: str, where: str) -> set[str]:
    rows = sf.query_all(f"SELECT Id FROM {name} WHERE {where}", include_deleted=True)  # noqa: S608
    return {r["Id"] for r in rows["records"]}


def _vault_ids(org, name: str) -> set[str]:
    return set(
        RecordVersion.objects.filter(org=org, object_name=name, valid_to__isnull=True).values_list(
            "record_id", flat=True
        )
    )


def _command(*args) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _write(tmp_path, spec) -> str:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


@pytest.fixture
def banking(sfsim):
    sf = sf_client(sfsim)
    return {
        "sf": sf,
        "banking": _accounts_with_children(sf, "Banking", 3),
        "other": _accounts_with_children(sf, "Retail", 2),
    }


def test_templated_backup_holds_exactly_the_matching_accounts_and_children(
    backup_org, sfsim, banking, tmp_path, client_admin_a
):
    sf = banking["sf"]
    created = _command("template_create", "--org", str(backup_org.pk), "--from-json",
                       _write(tmp_path, TEMPLATE))  # fmt: skip
    assert [o["name"] for o in created["objects"]] == ["Account"]
    assert [c["name"] for c in created["objects"][0]["children"]] == ["Contact", "Opportunity"]

    # Count records asks the org and gets the org's number.
    expected = {
        "Account": _org_ids(sf, "Account", BANKING),
        "Contact": _org_ids(sf, "Contact", CONTACTS),
        "Opportunity": _org_ids(sf, "Opportunity", OPPORTUNITIES),
    }
    assert set(banking["banking"]) <= expected["Account"]
    assert not set(banking["other"]) & expected["Account"]
    assert len(expected["Contact"]) >= 6 and len(expected["Opportunity"]) >= 3
    describe = OrgDescribe(backup_org)
    assert records_count(
        org=backup_org, object_name="Account", where=BANKING, describe=describe
    ) == (len(expected["Account"]))

    first = _command("backup_run", "--org", str(backup_org.pk), "--template", "Banking accounts",
                     "--wait")  # fmt: skip
    assert first["status"] == Job.Status.COMPLETED, first["error"]
    assert first["operation"] == "templated_backup"
    for name, ids in expected.items():
        assert _vault_ids(backup_org, name) == ids, name
    stored = set(RecordVersion.objects.filter(org=backup_org).values_list("object_name", flat=True))
    assert stored == {"Account", "Contact", "Opportunity"}
    job = Job.objects.get(pk=first["job_id"])
    totals = {o.object_name: o.records for o in JobObject.objects.filter(job=job)}
    assert totals == {name: len(ids) for name, ids in expected.items()}
    assert first["added"] == sum(len(ids) for ids in expected.values())

    # The job keeps its own copy of the template; the watermarks are the template's.
    assert job.settings["template"]["objects"][0]["condition"] == BANKING
    assert not ObjectWatermark.objects.filter(org=backup_org, scope="").exists()
    settings_tab = client_admin_a.get(reverse("backups:job_settings", args=[backup_org.pk, job.pk]))
    assert "Template: Banking accounts" in settings_tab.content.decode()
    data_tab = client_admin_a.get(reverse("backups:job_data", args=[backup_org.pk, job.pk]))
    assert all(name in data_tab.content.decode() for name in expected)
    assert ObjectWatermark.objects.filter(org=backup_org, object_name="Contact").count() == 1

    # The next run reads only what changed: one matching Contact edited, one other too.
    # Ten minutes later (past the overlap window, so old records are not read again):
    sfsim.advance_clock(seconds=600)
    contact_id = sorted(expected["Contact"])[0]
    sf.Contact.update(contact_id, {"Title": "Head of Lending"})
    other_contact = sf.query(
        f"SELECT Id FROM Contact WHERE AccountId = '{banking['other'][0]}' LIMIT 1"  # noqa: S608
    )["records"][0]["Id"]
    sf.Contact.update(other_contact, {"Title": "Not in the template"})
    second = _command("backup_run", "--org", str(backup_org.pk), "--template", "Banking accounts",
                      "--wait")  # fmt: skip
    assert second["status"] == Job.Status.COMPLETED, second["error"]
    changes = {
        (v.object_name, v.record_id): v.change
        for v in selectors.job_changes(job=Job.objects.get(pk=second["job_id"]))
    }
    assert changes == {("Contact", contact_id): "changed"}
    assert (second["added"], second["changed"], second["deleted"]) == (0, 1, 0)

    # An Account that joins the filter brings its existing (unchanged, older than the
    # Contact watermark) children along: they are read through the parent's change.
    joining = banking["other"][1]
    sf.Account.update(joining, {"Industry": "Banking"})
    third = _command("backup_run", "--org", str(backup_org.pk), "--template", "Banking accounts",
                     "--wait")  # fmt: skip
    assert third["status"] == Job.Status.COMPLETED, third["error"]
    children = _org_ids(sf, "Contact", f"AccountId = '{joining}'") | _org_ids(
        sf, "Opportunity", f"AccountId = '{joining}'"
    )
    added = {
        v.record_id
        for v in selectors.job_changes(job=Job.objects.get(pk=third["job_id"]))
        if v.change == "added"
    }
    assert added == {joining} | children and len(children) == 3
    for name, where in (
        ("Account", BANKING),
        ("Contact", CONTACTS),
        ("Opportunity", OPPORTUNITIES),
    ):
        assert _vault_ids(backup_org, name) == _org_ids(sf, name, where), name

    # A changed template (new revision) reads its data in full again, writes nothing new,
    # and only its current revision keeps watermarks; deleting it drops them.
    template = ObjectTemplate.objects.get(org=backup_org, name="Banking accounts")
    account = template.template_objects.get(object_name="Account")
    template_set_filter(template_object=account, mode="soql", where="Industry = 'Banking'")
    template.refresh_from_db()
    fourth = _command("backup_run", "--org", str(backup_org.pk), "--template", "Banking accounts",
                      "--wait")  # fmt: skip
    assert fourth["status"] == Job.Status.COMPLETED, fourth["error"]
    assert (fourth["added"], fourth["changed"], fourth["deleted"]) == (0, 0, 0)
    logs = " ".join(
        JobLog.objects.filter(job_id=fourth["job_id"]).values_list("message", flat=True)
    )
    assert "Account: reading all records" in logs
    scopes = set(ObjectWatermark.objects.filter(org=backup_org).values_list("scope", flat=True))
    assert scopes == {f"template:{template.pk}:{template.revision}"}
    template_delete(template=template)
    assert not ObjectWatermark.objects.filter(org=backup_org).exists()


@pytest.mark.parametrize(
    ("bad_filter", "message"),
    [
        (
            {"declarative": [{"field": "Sector__x", "operator": "equals", "value": "Banking"}]},
            "No such column 'Sector__x' on entity 'Account'",
        ),
        ({"soql": "Industry = = 'Banking'"}, "unexpected token: '='"),
    ],
)
def test_an_invalid_filter_is_refused_with_the_parsers_message(
    backup_org, tmp_path, bad_filter, message
):
    spec = {"name": "Bad", "objects": [{"name": "Account", "filter": bad_filter}]}
    with pytest.raises(CommandError, match=message):
        call_command("template_create", "--org", str(backup_org.pk), "--from-json",
                     _write(tmp_path, spec))  # fmt: skip
    assert not ObjectTemplate.objects.filter(org=backup_org).exists()


def test_unknown_template_and_child_relationship_are_explained(backup_org, tmp_path):
    with pytest.raises(CommandError, match="no template named 'Nope'"):
        call_command("backup_run", "--org", str(backup_org.pk), "--template", "Nope")
    spec = {"name": "Kids", "objects": [{"name": "Account", "children": [{"name": "Lead"}]}]}
    with pytest.raises(CommandError, match="Account has no queryable child relationship 'Lead'"):
        call_command("template_create", "--org", str(backup_org.pk), "--from-json",
                     _write(tmp_path, spec))  # fmt: skip


def test_metadata_option_adds_the_metadata_unit_to_a_templated_job(backup_org, tmp_path):
    from backups.job_settings import JobSettings
    from jobs.runner import job_prepare
    from object_templates.services import template_create
    from tests.backups.starts import templated_backup_start

    template = template_create(org=backup_org, name="With metadata", objects=TEMPLATE["objects"])
    job = templated_backup_start(
        org=backup_org, template=template, settings=JobSettings(metadata=True), enqueue=False
    )
    job_prepare(job.pk)  # plans the job; its objects are handed to workers after commit
    names = set(JobObject.objects.filter(job=job).values_list("object_name", flat=True))
    assert names == {"Account", "Contact", "Opportunity", "Metadata"}
    assert settings_of(job) == JobSettings(metadata=True)
