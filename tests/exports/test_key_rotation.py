"""A key rotation seals the org's export files again before the old key is retired: the
export still downloads the same zip afterwards, and no byte of it opens with the old key."""

from common.crypto import ciphertext_key_id, data_key_id
from common.storage import org_storage
from exports.selectors import export_for_job
from orgs.key_models import OrgKey
from orgs.key_services import org_key_add
from orgs.keys import org_data_key
from tests.exports.support import export_zip, run_export
from vault.rotation import KeyRotation, rotation_run, rotation_start


def _first_frame_key_id(org, export) -> str:
    with org_storage(org).open(export.storage_key, "rb") as handle:
        return ciphertext_key_id(handle.read(4 + 9)[4:])


def test_rotation_reseals_the_export_files_before_retiring_the_old_key(backed_up, admin_a):
    org, backup = backed_up
    job = run_export(org, as_of_job=backup, objects=["Account", "Contact"])
    before = {name: export_zip(job).read(name) for name in export_zip(job).namelist()}
    export = export_for_job(job=job)
    old_key = org_data_key(org)
    assert _first_frame_key_id(org, export) in ("", data_key_id(old_key).hex())

    org_key_add(org=org, source="generated", actor=admin_a)
    rotation = rotation_run(rotation_start(org=org, enqueue=False))
    while rotation.status == KeyRotation.Status.RUNNING:
        rotation = rotation_run(rotation)
    assert rotation.status == KeyRotation.Status.DONE, rotation.message
    assert OrgKey.objects.get(org=org, source="original").status == OrgKey.Status.RETIRED

    ring = org_data_key(org)
    assert _first_frame_key_id(org, export) == ring.write_id.hex()
    after = export_zip(job)
    assert {name: after.read(name) for name in after.namelist()} == before
