# ruff: noqa: S608  (SOQL built from test-made Ids)
"""Schema drift between the backup and the org now, over HTTPS against the simulator: a
custom field deleted and a restricted picklist value removed (both through the Metadata
API, as an admin would). The dry run reports both; the run restores every other record
and skips only the one the org now refuses, with the error Salesforce answers for it."""

import io
import json
import uuid
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from simple_salesforce.exceptions import SalesforceMalformedRequest

from jobs.models import Job
from jobs.services import job_run_inline
from restores.models import RestoreRecord, RestoreRun
from restores.services import (
    restore_draft_backups,
    restore_draft_create,
    restore_draft_objects,
    restore_start,
)
from tests.fixtures.sfsim import API_VERSION, sf_client
from tests.restores.support import run_backup, run_restore

MD = "http://soap.sforce.com/2006/04/metadata"


def _picklist(values: list[str]) -> str:
    return (
        "<fields><fullName>Tier__c</fullName><label>Tier</label><type>Picklist</type>"
        "<valueSet><restricted>true</restricted><valueSetDefinition>"
        + "".join(
            f"<value><fullName>{v}</fullName><default>false</default><label>{v}</label></value>"
            for v in values
        )
        + "</valueSetDefinition></valueSet></fields>"
    )


LEGACY = (
    "<fields><fullName>Legacy_Code__c</fullName><label>Legacy Code</label><type>Text</type>"
    "<length>20</length></fields>"
)


def _deploy(sf, files: dict[str, str]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    buffer.seek(0)
    async_id, _state = sf.mdapi.deploy(buffer, sandbox=True)
    result = sf.mdapi._retrieve_deploy_result(async_id)
    assert result.find(f"{{{MD}}}status").text == "Succeeded", result


def _package(types: dict[str, list[str]]) -> str:
    body = "".join(
        "<types>" + "".join(f"<members>{m}</members>" for m in names) + f"<name>{t}</name></types>"
        for t, names in types.items()
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><Package xmlns="{MD}">{body}<version>{API_VERSION}</version></Package>'


def _account_fields(sf, fields: str) -> None:
    _deploy(
        sf,
        {
            "package.xml": _package({"CustomObject": ["Account"]}),
            "objects/Account.object": f'<?xml version="1.0" encoding="UTF-8"?><CustomObject xmlns="{MD}">{fields}</CustomObject>',
        },
    )


@pytest.fixture
def sf(sfsim, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sfsim.ca_path)  # the mdapi's own session
    return sf_client(sfsim)


def test_dry_run_reports_drift_and_the_run_skips_only_the_refused_record(
    backup_org, sf, capsys, client_admin_a
):
    org = backup_org
    tag = uuid.uuid4().hex[:8]
    _account_fields(sf, _picklist(["Gold", "Silver", "Bronze"]) + LEGACY)
    gold = sf.Account.create({"Name": f"Gold {tag}", "Tier__c": "Gold", "Legacy_Code__c": "L1"})
    silver = sf.Account.create({"Name": f"Silver {tag}", "Tier__c": "Silver"})
    plain = sf.Account.create({"Name": f"Plain {tag}", "Legacy_Code__c": "L3"})
    ids = {"gold": gold["id"], "silver": silver["id"], "plain": plain["id"]}
    correct = run_backup(org)
    sf.Account.update(ids["gold"], {"Name": f"Wrong gold {tag}", "Tier__c": "Silver"})
    sf.Account.update(ids["silver"], {"Name": f"Wrong silver {tag}"})
    sf.Account.update(ids["plain"], {"Name": f"Wrong plain {tag}"})
    # The drift: "Gold" is no longer a value of the restricted picklist; a field is deleted.
    _account_fields(sf, _picklist(["Silver", "Bronze"]))
    _deploy(
        sf,
        {
            "package.xml": _package({}),
            "destructiveChanges.xml": _package({"CustomField": ["Account.Legacy_Code__c"]}),
        },
    )

    # The wizard's Object settings step lists the deleted field as skipped.
    draft = restore_draft_create(org=org, type="records")
    restore_draft_backups(request=draft, correct_job=correct.pk, compromised_job=None)
    restore_draft_objects(request=draft, objects=["Account"], filters={}, children={})
    page = client_admin_a.get(reverse("restores:wizard_settings", args=[org.pk, draft.pk]))
    html = page.content.decode()
    assert "Legacy_Code__c — <strong>skipped</strong>: no longer in the org" in html
    assert 'name="fields__Account" value="Tier__c"' in html

    scope = {"Account": f"Name LIKE '% {tag}'"}
    request, dry = run_restore(
        org, correct_job=correct, objects=["Account"], filters=scope, dry_run=True
    )
    assert dry.status == Job.Status.COMPLETED, dry.error_message
    planned = RestoreRun.objects.get(job=dry)
    assert planned.counts["Account"]["update"] == 2 and planned.counts["Account"]["skipped"] == 1
    drift = "\n".join(planned.drift)
    assert "Account.Legacy_Code__c: no longer in the org" in drift
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in drift
    skipped = RestoreRecord.objects.get(job=dry, status="skipped")
    assert skipped.original_id == ids["gold"]
    call_command("restore_run", str(request.pk), "--dry-run", "--wait", "--json")
    out = json.loads(capsys.readouterr().out)["restore"]
    assert [r["id"] for r in out["skipped"]] == [ids["gold"]]
    assert out["skipped"][0]["error_code"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert out["drift"] == planned.drift and out["api_remaining"] > 0

    job = job_run_inline(job=restore_start(request=request, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    results = {r.original_id: r for r in RestoreRecord.objects.filter(job=job)}
    assert {k: results[v].status for k, v in ids.items()} == {
        "gold": "skipped", "silver": "success", "plain": "success",
    }  # fmt: skip
    names = {r["Id"]: r["Name"] for r in sf.query_all(
        f"SELECT Id, Name FROM Account WHERE Id IN ('{ids['gold']}', '{ids['silver']}', "
        f"'{ids['plain']}')"
    )["records"]}  # fmt: skip
    assert names == {
        ids["gold"]: f"Wrong gold {tag}",
        ids["silver"]: f"Silver {tag}",
        ids["plain"]: f"Plain {tag}",
    }
    # The skipped record carries exactly the error Salesforce answers for that write.
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Account.update(ids["gold"], {"Tier__c": "Gold"})
    answer = refused.value.content[0]
    assert results[ids["gold"]].error_code == answer["errorCode"]
    assert results[ids["gold"]].error_message == answer["message"]
    assert RestoreRun.objects.get(job=job).write_calls == 1
    # The message quotes the record's value: the database holds it sealed, never in clear.
    assert "Gold" in answer["message"]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM restores_restorerecord")
        stored = repr(cursor.fetchall())
    assert answer["message"] not in stored and "Gold" not in stored
