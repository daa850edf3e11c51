# ruff: noqa: S608  (SOQL built from test-made Ids)
"""Formula fields over HTTPS against the simulator: a formula field on Account (deployed
through the Metadata API, as an admin would) is calculated, neither createable nor
updateable. A restore that updates, undeletes and re-creates Accounts never writes it
(Salesforce would refuse the record with INVALID_FIELD_FOR_INSERT_UPDATE), and afterwards
the formula reads back computed from the restored fields."""

import uuid

import pytest

from restores.models import RestoreRecord
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup, run_restore
from tests.restores.test_drift import _account_fields, _deploy, _package

FORMULA = "Restore_Label__c"
FORMULA_FIELD = (
    f"<fields><fullName>{FORMULA}</fullName><label>Restore Label</label><type>Text</type>"
    '<formula>Name &amp; " #" &amp; AccountNumber</formula></fields>'
)


@pytest.fixture
def sf(sfsim, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sfsim.ca_path)  # the mdapi's own session
    sf = sf_client(sfsim)
    _account_fields(sf, FORMULA_FIELD)
    try:
        yield sf
    finally:  # the session simulator is shared: take the field away again
        _deploy(
            sf,
            {
                "package.xml": _package({}),
                "destructiveChanges.xml": _package({"CustomField": [f"Account.{FORMULA}"]}),
            },
        )


def _label(sf, record_id: str) -> str | None:
    rows = sf.query_all(f"SELECT {FORMULA} FROM Account WHERE Id = '{record_id}'")["records"]
    return rows[0][FORMULA]


def test_a_restore_never_writes_a_formula_field_and_it_reads_back_computed(backup_org, sf):
    org = backup_org
    describe = {f["name"]: f for f in sf.Account.describe()["fields"]}
    assert describe[FORMULA]["calculated"] is True
    assert not describe[FORMULA]["createable"] and not describe[FORMULA]["updateable"]

    tag = uuid.uuid4().hex[:8]
    ids = {
        key: sf.Account.create({"Name": f"{key} {tag}", "AccountNumber": f"N-{key}"})["id"]
        for key in ("changed", "soft", "hard")
    }
    assert _label(sf, ids["changed"]) == f"changed {tag} #N-changed"
    correct = run_backup(org)

    sf.Account.update(ids["changed"], {"Name": f"Wrong {tag}", "AccountNumber": "X"})
    assert _label(sf, ids["changed"]) == f"Wrong {tag} #X"
    sf.Account.delete(ids["soft"])
    results = sf.bulk2.Account.hard_delete(records=[{"Id": ids["hard"]}], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == 1

    _request, job = run_restore(
        org,
        correct_job=correct,
        objects=["Account"],
        filters={"Account": f"Name LIKE '% {tag}'"},
    )
    assert job.status == "completed", job.error_message
    rows = {row.original_id: row for row in RestoreRecord.objects.filter(job=job)}
    assert {rid: (row.action, row.status, row.error_code) for rid, row in rows.items()} == {
        ids["changed"]: ("update", "success", ""),
        ids["soft"]: ("undelete", "success", ""),
        ids["hard"]: ("insert", "success", ""),
    }
    recreated = rows[ids["hard"]].new_id
    assert _label(sf, ids["changed"]) == f"changed {tag} #N-changed"
    assert _label(sf, ids["soft"]) == f"soft {tag} #N-soft"
    assert _label(sf, recreated) == f"hard {tag} #N-hard"
