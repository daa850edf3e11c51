"""`vault_key_rotate`: adds a key (generated, from a file) and re-encrypts with --wait."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from common.crypto import generate_tenant_key
from orgs.key_models import OrgKey
from orgs.keys import org_data_key
from tests.vault.test_vault import FIELDS, names_as_of, rec
from vault.services import ObjectWriter, snapshot_begin, snapshot_publish


def run(*args) -> dict:
    out = io.StringIO()
    call_command("vault_key_rotate", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_generate_then_key_file_with_wait(vault_org, data_key, make_job, tmp_path):
    job = make_job()
    snapshot = snapshot_begin(org=vault_org, job=job)
    ObjectWriter(
        snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
    ).write([rec("A1", "one"), rec("A2", "two")])
    snapshot_publish(snapshot=snapshot)

    first = run("--org", str(vault_org.pk), "--generate", "--wait")
    assert len(first["generated_key"]) == 44
    assert (first["status"], first["done"], first["rewritten"]) == ("done", 1, 1)
    key_file = tmp_path / "key.txt"
    key_file.write_text(generate_tenant_key() + "\n")
    second = run("--org", str(vault_org.pk), "--key-file", str(key_file), "--wait")
    assert second["generated_key"] == "" and second["status"] == "done"
    assert OrgKey.objects.get(org=vault_org, status="active").fingerprint == second["fingerprint"]
    assert names_as_of(vault_org, snapshot.seq, org_data_key(vault_org)) == {
        "A1": ("present", "one"),
        "A2": ("present", "two"),
    }
    with pytest.raises(CommandError, match="no org with id"):
        run("--org", "99999", "--generate")
