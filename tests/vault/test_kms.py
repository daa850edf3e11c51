"""An org whose key is the customer's AWS KMS key (moto's KMS on its server): only the
KMS-wrapped data key is stored, unwrapped when a job runs; rotating to it re-encrypts
the vault; disabling the KMS key makes every job of the org fail with a clear message,
with nothing written."""

import pytest

from common.crypto import Keyring, data_key_id
from jobs.models import Job
from jobs.services import job_run_inline, job_start
from orgs.key_models import OrgKey
from orgs.key_services import KmsSettings, org_key_add
from orgs.keys import OrgKeyError, org_data_key
from tests.vault.conftest import S3_KEY_ID, S3_SECRET, aws_client
from tests.vault.test_key_rotation import byte_scan
from tests.vault.test_vault import FIELDS, names_as_of, rec
from vault.models import Segment, Snapshot
from vault.rotation import KeyRotation, rotation_run, rotation_start
from vault.services import ObjectWriter, snapshot_begin, snapshot_publish
from vault.verify import vault_verify


@pytest.fixture
def kms_key(moto_endpoint) -> str:
    """The new KMS key's ARN (what an admin pastes)."""
    meta = aws_client(moto_endpoint, "kms").create_key(Description="OrgVault test")
    return meta["KeyMetadata"]["Arn"]


def key_uuid(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def kms_settings(endpoint: str, key_id: str) -> KmsSettings:
    return KmsSettings(
        key_id=key_id,
        region="us-east-1",
        endpoint_url=endpoint,
        access_key_id=S3_KEY_ID,
        secret_access_key=S3_SECRET,
    )


def backup(org, job, data_key, records):
    snapshot = snapshot_begin(org=org, job=job)
    ObjectWriter(
        snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
    ).write(records)
    assert snapshot_publish(snapshot=snapshot)
    return snapshot


def test_kms_key_holds_the_data_key_and_a_revoked_key_stops_every_job(
    vault_org, data_key, make_job, moto_endpoint, kms_key, vault_storage, admin_a
):
    org = vault_org
    s1 = backup(org, make_job(), data_key, [rec("A1", "before KMS")])
    key, shown = org_key_add(
        org=org, source="kms", kms=kms_settings(moto_endpoint, kms_key), actor=admin_a
    )
    assert shown == "" and key.kms_key_id == kms_key
    # We keep no tenant key for it: only the data key as KMS wrapped it.
    org.refresh_from_db()
    assert bytes(key.tenant_key_wrapped) == b"" == bytes(org.tenant_key_wrapped)
    assert bytes(org.data_key_wrapped) == bytes(key.data_key_wrapped)
    ring = org_data_key(org)
    assert isinstance(ring, Keyring)
    plain = aws_client(moto_endpoint, "kms").decrypt(
        CiphertextBlob=bytes(key.data_key_wrapped),
        EncryptionContext={"orgvault-org": str(org.pk)},
    )["Plaintext"]
    assert ring.write_key == plain and ring.write_id == data_key_id(plain)

    rotation = rotation_run(rotation_start(org=org, enqueue=False))
    assert rotation.status == KeyRotation.Status.DONE, rotation.message
    assert OrgKey.objects.get(org=org, source="original").status == "retired"
    s2 = backup(org, make_job(), org_data_key(org), [rec("A1", "with KMS")])
    assert names_as_of(org, s1.seq, org_data_key(org)) == {"A1": ("present", "before KMS")}
    assert names_as_of(org, s2.seq, org_data_key(org)) == {"A1": ("present", "with KMS")}
    assert vault_verify(org=org, data_key=org_data_key(org)).ok
    assert byte_scan(org, vault_storage, [data_key]) == []

    # The customer disables (revokes) the KMS key.
    aws_client(moto_endpoint, "kms").disable_key(KeyId=key_uuid(kms_key))
    with pytest.raises(OrgKeyError) as refused:
        org_data_key(org)
    message = str(refused.value)
    assert kms_key in message and "refused to unwrap" in message
    assert "no job of this org can run" in message

    segments = Segment.objects.filter(org=org).count()
    snapshots = Snapshot.objects.filter(org=org).count()
    job = job_run_inline(
        job=job_start(org=org, operation="composite_backup", enqueue=False, created_by=admin_a)
    )
    job.refresh_from_db()
    assert job.status == Job.Status.ERROR
    logs = " ".join(job.logs.values_list("message", flat=True))
    assert "refused to unwrap" in logs
    assert Segment.objects.filter(org=org).count() == segments
    assert Snapshot.objects.filter(org=org).count() == snapshots

    # Enabled again, everything reads back.
    aws_client(moto_endpoint, "kms").enable_key(KeyId=key_uuid(kms_key))
    assert names_as_of(org, s2.seq, org_data_key(org)) == {"A1": ("present", "with KMS")}


def test_a_kms_key_that_cannot_be_used_is_refused_when_added(vault_org, moto_endpoint, kms_key):
    aws_client(moto_endpoint, "kms").disable_key(KeyId=key_uuid(kms_key))
    with pytest.raises(OrgKeyError) as refused:
        org_key_add(org=vault_org, source="kms", kms=kms_settings(moto_endpoint, kms_key))
    assert "could not wrap a data key" in str(refused.value)
    assert not OrgKey.objects.filter(org=vault_org).exists()


def test_a_kms_endpoint_on_a_private_address_is_refused_before_any_connection(
    vault_org, moto_endpoint, kms_key, settings
):
    """The endpoint is typed by an admin: the outbound guard refuses the server's own
    networks (the tests allow them everywhere else for moto)."""
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with pytest.raises(OrgKeyError) as refused:
        org_key_add(org=vault_org, source="kms", kms=kms_settings(moto_endpoint, kms_key))
    assert "does not resolve to a public address" in str(refused.value)
    assert not OrgKey.objects.filter(org=vault_org).exists()
