"""An org with a real key envelope and a private storage folder, without Salesforce."""

import pytest

from common.crypto import key_fingerprint, new_data_key, wrap_data_key, wrap_secret


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    return tmp_path / "storage"


@pytest.fixture
def data_key() -> bytes:
    return new_data_key()


@pytest.fixture
def vault_org(tenant_a, data_key, vault_storage):
    from orgs.keys import _tenant_key_purpose
    from orgs.models import Org

    tenant_key = new_data_key()
    org = Org.objects.create(
        tenant=tenant_a,
        name="Vault test org",
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.example.com",
        status=Org.Status.CONNECTED,
        key_fingerprint=key_fingerprint(tenant_key),
        tenant_key_wrapped=b"unused",
        data_key_wrapped=wrap_data_key(tenant_key, data_key),
    )
    # The real envelope, so commands that open the data key themselves work.
    org.tenant_key_wrapped = wrap_secret(tenant_key, _tenant_key_purpose(org.pk))
    org.save(update_fields=["tenant_key_wrapped"])
    return org


@pytest.fixture
def make_job(vault_org):
    from jobs.models import Job
    from jobs.services import job_create

    def make(name: str = "Backup") -> Job:
        job = job_create(org=vault_org, operation="composite_backup", name=name)
        assert job.claim()
        return job

    return make


# --- an S3 server (moto) that enforces versioning and Object Lock --------------------

S3_KEY_ID = "orgvault-test-key"
S3_SECRET = "orgvault-test-secret-Zq8wXv3"


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def aws_client(endpoint: str, service: str):
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEY_ID,
        aws_secret_access_key=S3_SECRET,
    )


@pytest.fixture
def locked_bucket(moto_endpoint) -> str:
    """A bucket created with Object Lock (which turns versioning on)."""
    import uuid

    name = f"orgvault-lock-{uuid.uuid4().hex[:10]}"
    aws_client(moto_endpoint, "s3").create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


@pytest.fixture
def s3_vault_org(vault_org, moto_endpoint, locked_bucket):
    """The vault test org with its blobs in its own (Object Lock) bucket on moto."""
    from common.crypto import wrap_secret
    from common.storage import s3_secret_purpose

    vault_org.storage = "s3"
    vault_org.s3_bucket = locked_bucket
    vault_org.s3_endpoint_url = moto_endpoint
    vault_org.s3_region = "us-east-1"
    vault_org.s3_access_key_id = S3_KEY_ID
    vault_org.s3_secret_wrapped = wrap_secret(S3_SECRET, s3_secret_purpose(vault_org.pk))
    vault_org.save()
    return vault_org
