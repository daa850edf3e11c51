"""Delete Connection: a typed confirmation, Admin only, refused while a job runs, and
afterwards no row and no stored file of the org is left — in managed storage and in the
org's own bucket — while other orgs and tenants keep everything."""

from datetime import date, time

import pytest
from django.contrib.admin.utils import NestedObjects
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import reverse

from common.crypto import unwrap_secret, wrap_secret
from common.storage import s3_secret_purpose
from jobs.models import Job, JobLog, JobObject
from object_templates.models import ObjectTemplate
from orgs import settings_services
from orgs.models import ObjectCatalogEntry, Org
from orgs.services import org_data_key
from schedules.models import Schedule
from schedules.recurrence import RecurrenceSpec
from schedules.services import schedule_create, schedule_create_system_defaults
from tests.backups.factories import make_backup, make_running_job, record_id
from tests.orgs.conftest import S3_KEY_ID, S3_SECRET, s3_client
from tests.orgs.factories import make_org
from tests.schedules.factories import make_user_schedule
from vault.models import Blob, ObjectWatermark, RecordVersion, Segment, Snapshot
from vault.services import blob_put

EVERY_KIND = {
    Job,
    JobObject,
    JobLog,
    Schedule,
    Snapshot,
    Segment,
    RecordVersion,
    Blob,
    ObjectWatermark,
    ObjectCatalogEntry,
    ObjectTemplate,
}


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    return tmp_path / "storage"


def fill(org: Org, seed: int = 1) -> None:
    """Two backups, a binary body, watermarks, schedules and a template for `org`."""
    accounts = [(record_id("001", seed * 100 + n), {"Name": f"Acme {n}"}) for n in range(3)]
    make_backup(org, {"Account": accounts, "Contact": [(record_id("003", seed), {})]})
    make_backup(org, {"Account": [(accounts[0][0], {"Name": "Acme renamed"})]})
    blob_put(org=org, data_key=org_data_key(org), content=f"file body {seed}".encode())
    ObjectWatermark.objects.create(org=org, object_name="Account", value="2026-01-01T00:00:00Z")
    schedule_create_system_defaults(org=org)
    make_user_schedule(org)
    template = ObjectTemplate.objects.create(
        tenant=org.tenant, org=org, name=f"Banking accounts {seed}"
    )
    # A template a schedule uses cannot be deleted on its own; with its org it goes.
    schedule_create(
        org=org,
        name="Banking nightly",
        operation="templated_backup",
        recurrence=RecurrenceSpec(run_at=time(4, 0), start_date=date(2025, 7, 1)),
        template=template,
    )


def org_models() -> list[tuple[type[models.Model], str]]:
    return settings_services.org_related_models()


def rows_of(org_id: int) -> dict[str, int]:
    """Rows per model that point at the org (directly)."""
    return {
        f"{model._meta.label}.{fk}": model.objects.filter(**{f"{fk}_id": org_id}).count()
        for model, fk in org_models()
    }


def everything_of(org: Org) -> dict[type[models.Model], set[int]]:
    """Every row that hangs off the org, however deep (the admin's deletion walk)."""
    collector = NestedObjects(using="default")
    collector.collect([org])
    return {model: {obj.pk for obj in objs} for model, objs in collector.data.items()}


def files_under(root) -> set[str]:
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def delete_url(org: Org) -> str:
    return reverse("orgs:settings_delete", args=[org.pk])


def test_every_foreign_key_to_an_org_cascades():
    found = org_models()
    assert {model for model, _ in found} >= {
        Job,
        Schedule,
        Snapshot,
        Segment,
        RecordVersion,
        Blob,
        ObjectWatermark,
        ObjectCatalogEntry,
        ObjectTemplate,
    }
    for model, fk in found:
        on_delete = model._meta.get_field(fk).remote_field.on_delete
        assert on_delete is models.CASCADE, f"{model._meta.label}.{fk} does not cascade"


def test_a_wrong_confirmation_deletes_nothing(client_admin_a, tenant_a, vault_storage):
    org = make_org(tenant_a)
    fill(org)
    before_rows, before_files = rows_of(org.pk), files_under(vault_storage)
    for typed in ["", "production", "Production ", "Sandbox"]:
        response = client_admin_a.post(delete_url(org), {"delete-confirm_name": typed})
        assert response.status_code == 400
        page = response.content.decode()
        assert (
            "Type the org&#x27;s name to confirm the deletion." in page
            if not typed
            else "That is not the org&#x27;s name. Type Production exactly" in page
        )
    assert Org.objects.filter(pk=org.pk).exists()
    assert rows_of(org.pk) == before_rows
    assert files_under(vault_storage) == before_files


def test_deleting_removes_every_row_and_file_of_the_org_only(
    client_admin_a, tenant_a, tenant_b, vault_storage
):
    org = make_org(tenant_a, "Production")
    sibling = make_org(tenant_a, "Sandbox")
    foreign = make_org(tenant_b, "Production")
    for seed, each in enumerate([org, sibling, foreign], start=1):
        fill(each, seed)
    doomed = everything_of(org)
    assert set(doomed) >= EVERY_KIND  # the walk saw every kind of row
    kept = {each.pk: rows_of(each.pk) for each in (sibling, foreign)}
    kept_everything = {each.pk: everything_of(each) for each in (sibling, foreign)}
    prefix = f"orgs/{org.pk}/"
    all_files = files_under(vault_storage)
    assert any(f.startswith(prefix + "snapshots/") for f in all_files)
    assert any(f.startswith(prefix + "blobs/") for f in all_files)
    kept_files = {f for f in all_files if not f.startswith(prefix)}
    assert kept_files

    response = client_admin_a.post(delete_url(org), {"delete-confirm_name": "Production"})

    assert response.status_code == 302 and response.url == reverse("orgs:home")
    home = client_admin_a.get(response.url).content.decode()
    assert "The connection to Production was deleted with all its data: 2 job(s) and" in home
    assert not Org.objects.filter(pk=org.pk).exists()
    assert set(rows_of(org.pk).values()) == {0}
    for model, pks in doomed.items():
        assert not model.objects.filter(pk__in=pks).exists(), model._meta.label
    assert {each: rows_of(each) for each in kept} == kept
    assert {each.pk: everything_of(each) for each in (sibling, foreign)} == kept_everything
    assert files_under(vault_storage) == kept_files
    assert not (vault_storage / prefix).exists()
    # The other org still reads its vault.
    assert RecordVersion.objects.filter(org=sibling, valid_to__isnull=True).count() == 4


@pytest.mark.parametrize("status", ["queued", "in_progress"])
def test_deleting_is_refused_while_a_job_of_the_org_runs(
    client_admin_a, tenant_a, vault_storage, status
):
    org = make_org(tenant_a)
    fill(org)
    job = make_running_job(org)
    if status == "queued":
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    before_files = files_under(vault_storage)

    page = client_admin_a.get(reverse("orgs:settings_general", args=[org.pk])).content.decode()
    assert f"Job {job.pk} of this org is queued or running." in page
    response = client_admin_a.post(delete_url(org), {"delete-confirm_name": org.name})

    assert response.status_code == 409
    assert "Abort the running job first" in response.content.decode()
    assert Org.objects.filter(pk=org.pk).exists()
    assert Job.objects.filter(org=org).count() == 3
    assert files_under(vault_storage) == before_files

    Job.objects.filter(pk=job.pk).update(status=Job.Status.ABORTED)
    response = client_admin_a.post(delete_url(org), {"delete-confirm_name": org.name})
    assert response.status_code == 302
    assert not Org.objects.filter(pk=org.pk).exists()


def test_only_an_admin_of_the_orgs_tenant_may_delete(
    tenant_a, user_a, outsider, client_outsider, vault_storage
):
    org = make_org(tenant_a)
    with pytest.raises(PermissionDenied):
        settings_services.org_delete(org=org, actor=user_a)
    with pytest.raises(PermissionDenied):
        settings_services.org_delete(org=org, actor=outsider)
    response = client_outsider.post(delete_url(org), {"delete-confirm_name": org.name})
    assert response.status_code == 404
    assert Org.objects.filter(pk=org.pk).exists()


def _bucket_keys(endpoint: str, bucket: str) -> set[str]:
    listing = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


def _use_bucket(org: Org, endpoint: str, bucket: str) -> None:
    org.storage = Org.Storage.S3
    org.s3_bucket = bucket
    org.s3_endpoint_url = endpoint
    org.s3_region = "us-east-1"
    org.s3_access_key_id = S3_KEY_ID
    org.s3_secret_wrapped = wrap_secret(S3_SECRET, s3_secret_purpose(org.pk))
    org.save()


def test_deleting_an_org_with_its_own_bucket_removes_its_objects(
    client_admin_a, tenant_a, s3_endpoint, s3_bucket, vault_storage
):
    org = make_org(tenant_a, "Production")
    neighbour = make_org(tenant_a, "Sandbox")
    _use_bucket(org, s3_endpoint, s3_bucket)
    _use_bucket(neighbour, s3_endpoint, s3_bucket)  # sharing a bucket: keys are per org
    fill(org, 1)
    fill(neighbour, 2)
    s3_client(s3_endpoint).put_object(
        Bucket=s3_bucket, Key=f"orgs/{org.pk}/left-over.tmp", Body=b"written before a crash"
    )
    keys = _bucket_keys(s3_endpoint, s3_bucket)
    mine = {k for k in keys if k.startswith(f"orgs/{org.pk}/")}
    assert len(mine) >= 4
    assert unwrap_secret(org.s3_secret_wrapped, s3_secret_purpose(org.pk)) == S3_SECRET.encode()

    response = client_admin_a.post(delete_url(org), {"delete-confirm_name": "Production"})

    assert response.status_code == 302
    assert _bucket_keys(s3_endpoint, s3_bucket) == keys - mine
    assert not Org.objects.filter(pk=org.pk).exists()


def test_deleting_a_connected_org_revokes_its_salesforce_login(
    client_admin_a, tenant_a, sfsim, vault_storage
):
    from backups.engine.connection import client_cache
    from orgs.services import _org_client_credentials, _refresh_token_purpose
    from salesforce import auth
    from salesforce.errors import SalesforceAuthError
    from tests.backups.engine_support import connect_org
    from tests.backups.starts import backup_run_inline, backup_start

    client_cache.clear()
    org = connect_org(sfsim, tenant_a, name="Simulated org")
    job = backup_run_inline(job=backup_start(org=org, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    client_cache.clear()
    assert files_under(vault_storage / f"orgs/{org.pk}")
    refresh_token = unwrap_secret(org.refresh_token_wrapped, _refresh_token_purpose(org.pk))
    client_id, client_secret = _org_client_credentials(org)

    response = client_admin_a.post(delete_url(org), {"delete-confirm_name": "Simulated org"})

    assert response.status_code == 302
    home = client_admin_a.get(response.url).content.decode()
    assert "The connection to Simulated org was deleted" in home
    assert "could not give its Salesforce login back" not in home
    assert not Org.objects.filter(pk=org.pk).exists()
    assert not files_under(vault_storage)
    with pytest.raises(SalesforceAuthError):
        auth.refresh(org.login_url, client_id, client_secret, refresh_token.decode(), sfsim.ca_path)
