"""The vault's metadata versions without Salesforce: intervals, unchanged components
keeping their version, deletions, idempotent rewrites, discarded snapshots undone, shared
blobs, and sealed properties that a wrong key cannot open."""

import pytest
from django.urls import reverse

from common import crypto
from common.crypto import CryptoError
from jobs.models import Job
from jobs.services import job_create
from orgs.services import org_data_key
from tests.backups.factories import make_org
from tests.backups.metadata_factories import component, make_metadata_backup
from tests.backups.page_support import use_private_storage
from tests.backups.starts import settings_of
from vault.metadata_selectors import metadata_unseal, metadata_versions
from vault.metadata_services import MetadataWriter, metadata_discard
from vault.models import Blob, MetadataComponentVersion, Snapshot
from vault.services import snapshot_begin, snapshot_discard

CLS = "classes/A.cls"


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def org(tenant_a):
    return make_org(tenant_a)


def current(org) -> dict:
    rows = MetadataComponentVersion.objects.filter(org=org, valid_to__isnull=True)
    return {(r.metadata_type, r.full_name): r for r in rows}


def test_versions_are_intervals_and_unchanged_components_keep_theirs(org):
    first = make_metadata_backup(
        org, {("ApexClass", "A"): {CLS: b"v1"}, ("ApexClass", "B"): {"classes/B.cls": b"b"}}
    )
    second = make_metadata_backup(
        org, {("ApexClass", "A"): {CLS: b"v2"}, ("ApexClass", "B"): {"classes/B.cls": b"b"}}
    )
    third = make_metadata_backup(org, {("ApexClass", "A"): {CLS: b"v2"}})
    rows = current(org)
    assert rows[("ApexClass", "B")].is_deleted and rows[("ApexClass", "B")].job_id == third.pk
    history = metadata_versions(org=org, metadata_type="ApexClass", full_name="A")
    assert [(v.valid_from, v.valid_to, v.change) for v in history] == [
        (1, 2, "added"),
        (2, None, "changed"),
    ]
    assert [v.job_id for v in history] == [first.pk, second.pk]
    b_history = metadata_versions(org=org, metadata_type="ApexClass", full_name="B")
    assert [(v.valid_from, v.valid_to, v.change) for v in b_history] == [
        (1, 3, "added"),
        (3, None, "deleted"),
    ]
    # The same content is one blob, shared by every version that holds it.
    assert Blob.objects.filter(org=org).count() == 3  # v1, v2, b


def test_a_component_back_after_deletion_is_added_again(org):
    make_metadata_backup(org, {("Flow", "F"): {"flows/F.flow": b"<Flow/>"}})
    make_metadata_backup(org, {("Flow", "G"): {"flows/G.flow": b"<Flow/>"}})
    make_metadata_backup(org, {("Flow", "F"): {"flows/F.flow": b"<Flow/>"}})
    history = metadata_versions(org=org, metadata_type="Flow", full_name="F")
    assert [v.change for v in history] == ["added", "deleted", "added"]


def test_rewriting_in_the_same_snapshot_is_idempotent(org):
    job = job_create(org=org, operation="metadata_backup", name="M")
    job.claim()
    snapshot = snapshot_begin(org=org, job=job)
    writer = MetadataWriter(snapshot=snapshot, data_key=org_data_key(org), job=job)
    items = [component("ApexClass", "A", {CLS: b"one"})]
    assert writer.write(items).added == 1
    assert writer.write(items).added == 0
    result = writer.write([component("ApexClass", "A", {CLS: b"two"})])
    assert result.added == 1 and result.changed == 0  # still "added" by this snapshot
    assert MetadataComponentVersion.objects.filter(org=org).count() == 1


def test_a_stalled_metadata_writer_cannot_write_into_a_closed_snapshot(org):
    """The metadata writer holds the snapshot as building, as the record writer does."""
    from vault.metadata_services import metadata_mark_deleted
    from vault.versioning import SnapshotClosed

    make_metadata_backup(org, {("ApexClass", "A"): {CLS: b"kept"}})
    job = job_create(org=org, operation="metadata_backup", name="Stalled")
    job.claim()
    snapshot = snapshot_begin(org=org, job=job)
    writer = MetadataWriter(snapshot=snapshot, data_key=org_data_key(org), job=job)
    snapshot_discard(snapshot=snapshot)  # e.g. the reaper ended the job meanwhile
    with pytest.raises(SnapshotClosed):
        writer.write([component("ApexClass", "A", {CLS: b"late"})])
    with pytest.raises(SnapshotClosed):
        metadata_mark_deleted(snapshot=snapshot, present=set(), types={"ApexClass"}, job=job)
    rows = current(org)
    assert list(rows) == [("ApexClass", "A")] and rows[("ApexClass", "A")].valid_from == 1


def test_a_discarded_snapshot_leaves_the_previous_versions_current(org):
    make_metadata_backup(org, {("ApexClass", "A"): {CLS: b"kept"}})
    job = job_create(org=org, operation="metadata_backup", name="Failed")
    job.claim()
    snapshot = snapshot_begin(org=org, job=job)
    MetadataWriter(snapshot=snapshot, data_key=org_data_key(org), job=job).write(
        [component("ApexClass", "A", {CLS: b"lost"}), component("ApexClass", "N", {CLS: b"n"})]
    )
    snapshot_discard(snapshot=snapshot)
    assert metadata_discard(org=org) == 2
    rows = current(org)
    assert list(rows) == [("ApexClass", "A")] and rows[("ApexClass", "A")].valid_from == 1
    assert Snapshot.objects.get(pk=snapshot.pk).status == Snapshot.Status.DISCARDED


def test_properties_are_sealed_and_need_the_orgs_key(org):
    make_metadata_backup(org, {("ApexClass", "A"): {CLS: b"x"}})
    row = MetadataComponentVersion.objects.get(org=org)
    assert b"Ada Admin" not in bytes(row.sealed)
    opened = metadata_unseal(org=org, versions=[row], data_key=org_data_key(org))
    assert opened[row.pk]["properties"]["lastModifiedByName"] == "Ada Admin"
    assert opened[row.pk]["files"][0]["name"] == CLS
    with pytest.raises(CryptoError):
        metadata_unseal(org=org, versions=[row], data_key=crypto.new_data_key())


def test_the_create_form_turns_metadata_on(client_admin_a, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        client_admin_a.post(
            reverse("backups:create", args=[org.pk]), {"name": "With metadata", "metadata": "on"}
        )
    assert settings_of(Job.objects.get(org=org)).metadata


def test_a_stale_building_snapshot_is_undone_when_the_next_job_prepares(org):
    from backups.engine.metadata import MetadataBackupHandler
    from jobs.runner import JobContext

    make_metadata_backup(org, {("ApexClass", "A"): {CLS: b"kept"}})
    dead = job_create(org=org, operation="metadata_backup", name="Dead worker")
    dead.claim()
    snapshot = snapshot_begin(org=org, job=dead)
    MetadataWriter(snapshot=snapshot, data_key=org_data_key(org), job=dead).write(
        [component("ApexClass", "A", {CLS: b"half-written"})]
    )
    dead.finish(Job.Status.ERROR, "worker lost")
    following = job_create(org=org, operation="metadata_backup", name="Next")
    following.claim()
    MetadataBackupHandler().prepare(JobContext(following))
    rows = current(org)
    assert rows[("ApexClass", "A")].valid_from == 1
    assert not MetadataComponentVersion.objects.filter(job=dead).exists()
