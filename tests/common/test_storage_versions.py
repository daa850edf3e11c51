"""common.storage.VaultS3Storage against moto's S3 server: on a versioned bucket,
deleting an object deletes every version (not only adds a delete marker), and an
in-place overwrite leaves only the new version."""

import uuid

import boto3
import pytest
from django.core.files.base import ContentFile
from moto.server import ThreadedMotoServer

from common.storage import s3_storage, storage_overwrite

KEY_ID, SECRET = "orgvault-test-key", "orgvault-test-secret-Zq8wXv3"


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def versioned(endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    bucket = f"orgvault-v-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    storage = s3_storage(
        bucket=bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
    )
    return client, bucket, storage


def all_versions(client, bucket, key):
    page = client.list_object_versions(Bucket=bucket, Prefix=key)
    return [v for v in page.get("Versions", []) + page.get("DeleteMarkers", []) if v["Key"] == key]


def test_delete_removes_every_version(versioned):
    client, bucket, storage = versioned
    key = "orgs/1/snapshots/1/a.seg"
    for body in (b"one", b"two", b"three"):
        storage.save(key, ContentFile(body))
    other = "orgs/1/snapshots/1/a.seg.keep"  # same prefix, another object: untouched
    storage.save(other, ContentFile(b"keep"))
    assert len(all_versions(client, bucket, key)) == 3
    storage.delete(key)
    assert all_versions(client, bucket, key) == []  # no delete marker, no old bytes
    assert not storage.exists(key)
    assert len(all_versions(client, bucket, other)) == 1
    storage.delete("orgs/1/never-written.seg")  # deleting nothing is not an error


def test_overwrite_keeps_only_the_new_version(versioned):
    client, bucket, storage = versioned
    key = "orgs/1/blobs/ab/c.blob"
    storage.save(key, ContentFile(b"old ciphertext"))
    storage_overwrite(storage, key, b"new ciphertext")
    versions = all_versions(client, bucket, key)
    assert len(versions) == 1
    with storage.open(key, "rb") as handle:
        assert handle.read() == b"new ciphertext"
