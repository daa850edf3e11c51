# ruff: noqa: S608  (SOQL built from test-made Ids)
"""Child objects restored with their parents (`--children Account:Contacts`), over HTTPS
against the simulator: only the children of the parents in scope come back, pointing at
their re-created parent; the command prints the request with its children."""

import json
import uuid

from django.core.management import call_command

from jobs.models import Job
from restores.models import RestoreRecord, RestoreRequest
from tests.fixtures.sfsim import sf_client
from tests.restores.support import run_backup


def _hard_delete(sf, name: str, ids: list[str]) -> None:
    results = getattr(sf.bulk2, name).hard_delete(records=[{"Id": i} for i in ids], wait=0.2)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == len(ids), results


def test_children_of_the_parents_in_scope_come_back_with_them(backup_org, sfsim, capsys):
    org = backup_org
    sf = sf_client(sfsim)
    tag = uuid.uuid4().hex[:8]
    chosen = sf.Account.create({"Name": f"Chosen {tag}"})["id"]
    other = sf.Account.create({"Name": f"Other {tag}"})["id"]
    mine = [
        sf.Contact.create({"LastName": f"Mine{i} {tag}", "AccountId": chosen})["id"]
        for i in range(2)
    ]
    theirs = sf.Contact.create({"LastName": f"Theirs {tag}", "AccountId": other})["id"]
    correct = run_backup(org)
    _hard_delete(sf, "Account", [chosen, other])  # their Contacts go with them

    call_command(
        "restore_request", "--org", str(org.pk), "--correct-job", str(correct.pk),
        "--objects", "Account", "--children", "Account:Contacts",
        "--filter", f"Account:Name = 'Chosen {tag}'", "--json",
    )  # fmt: skip
    made = json.loads(capsys.readouterr().out)
    assert made["children"] == {"Account": ["Contacts"]} and made["objects"] == ["Account"]
    request = RestoreRequest.objects.get(pk=made["request_id"])
    assert request.children == {"Account": ["Contacts"]}

    call_command("restore_run", str(request.pk), "--wait", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == Job.Status.COMPLETED, out
    results = {r.original_id: r for r in RestoreRecord.objects.filter(job_id=out["job_id"])}
    assert set(results) == {chosen, *mine}  # not the other Account, nor its Contact
    assert theirs not in results and other not in results
    new_account = results[chosen].new_id
    for contact in mine:
        row = sf.Contact.get(results[contact].new_id)
        assert row["AccountId"] == new_account
