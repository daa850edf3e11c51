import pytest
from django.core.files.base import ContentFile

from common.crypto import wrap_secret
from common.storage import (
    StorageProbeError,
    managed_storage,
    org_storage,
    s3_secret_purpose,
    s3_storage,
    storage_probe,
)
from orgs.models import Org
from tests.orgs.conftest import S3_KEY_ID, S3_SECRET, s3_client


def _s3(endpoint: str, bucket: str):
    return s3_storage(
        bucket=bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id=S3_KEY_ID,
        secret_access_key=S3_SECRET,
    )


def test_probe_writes_reads_and_deletes_in_a_good_bucket(s3_endpoint, s3_bucket):
    storage_probe(_s3(s3_endpoint, s3_bucket))
    listing = s3_client(s3_endpoint).list_objects_v2(Bucket=s3_bucket)
    assert listing["KeyCount"] == 0  # the probe cleaned up after itself


def test_probe_of_a_missing_bucket_says_why(s3_endpoint):
    with pytest.raises(StorageProbeError, match="could not write a test object.*NoSuchBucket"):
        storage_probe(_s3(s3_endpoint, "no-such-bucket-here"))


def test_probe_of_managed_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "vault": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    storage_probe(managed_storage())
    assert list(tmp_path.rglob("*.txt")) == []


def test_org_storage_opens_the_orgs_own_bucket_with_the_unwrapped_secret(
    tenant_a, s3_endpoint, s3_bucket
):
    org = Org.objects.create(
        tenant=tenant_a,
        name="Prod",
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.salesforce.com",
        storage=Org.Storage.S3,
        s3_bucket=s3_bucket,
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
        s3_access_key_id=S3_KEY_ID,
        key_fingerprint="f",
        tenant_key_wrapped=b"x",
        data_key_wrapped=b"x",
    )
    org.s3_secret_wrapped = wrap_secret(S3_SECRET, s3_secret_purpose(org.pk))
    org.save()
    storage = org_storage(org)
    storage.save("orgs/1/hello.bin", ContentFile(b"hello"))
    body = s3_client(s3_endpoint).get_object(Bucket=s3_bucket, Key="orgs/1/hello.bin")["Body"]
    assert body.read() == b"hello"
