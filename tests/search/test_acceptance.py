"""The issue's acceptance walk, on local storage and on S3 (moto): a marker email in one
Contact backed up across several changed versions; search finds every version; an
export holds it; after the purge a byte scan of the database, of every stored file (and
every S3 object version) and of every export (decrypted) finds the marker nowhere, and
the other records of the same segments read back exactly. Another tenant gets 404 on
every export, search and purge page and download."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from common.crypto import wrap_secret
from common.storage import org_storage, s3_secret_purpose
from exports.engine import zip_stream
from exports.models import Export
from exports.selectors import export_for_job
from jobs.services import job_run_inline
from orgs.services import org_data_key
from search.models import Purge, PurgeSettings
from search.services import purge_approve, purge_request
from tests.exports.support import run_export
from tests.orgs.conftest import S3_KEY_ID, S3_SECRET, s3_bucket, s3_client, s3_endpoint  # noqa: F401
from tests.search.conftest import make_marked
from tests.search.support import database_holds, files_holding, run_search, segments_plaintext
from vault.models import RecordVersion
from vault.selectors import version_payloads


def _on_s3(org, endpoint: str, bucket: str):
    org.storage = "s3"
    org.s3_bucket, org.s3_endpoint_url, org.s3_region = bucket, endpoint, "us-east-1"
    org.s3_access_key_id = S3_KEY_ID
    org.s3_secret_wrapped = wrap_secret(S3_SECRET, s3_secret_purpose(org.pk))
    org.save()
    return org


def _export_plaintext(export: Export) -> bytes:
    """Every entry of the export's zip, decrypted and unzipped."""
    raw = b"".join(zip_stream(export, org=export.org))
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def _payloads(org, exclude: set[str]) -> dict[int, dict]:
    versions = list(
        RecordVersion.objects.filter(org=org, segment__isnull=False).exclude(record_id__in=exclude)
    )
    return version_payloads(org=org, versions=versions, data_key=org_data_key(org))


def _s3_holding(endpoint: str, bucket: str, needles: list[bytes]) -> list[str]:
    client = s3_client(endpoint)
    found = []
    pages = client.get_paginator("list_object_versions").paginate(Bucket=bucket)
    for page in pages:
        for version in page.get("Versions", []):
            body = client.get_object(
                Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"]
            )["Body"].read()
            if any(needle in body for needle in needles):
                found.append(version["Key"])
    return found


@pytest.mark.parametrize("where", ["local", "s3"])
def test_marker_found_in_every_version_then_nowhere(
    where, backup_org, sfsim, admin_a, second_admin, vault_storage, request
):
    if where == "s3":
        endpoint, bucket = (
            request.getfixturevalue("s3_endpoint"),
            request.getfixturevalue("s3_bucket"),
        )
        # Versioned, so a delete that only hid an object would leave a version behind.
        s3_client(endpoint).put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        _on_s3(backup_org, endpoint, bucket)
    marked = make_marked(backup_org, sfsim)
    org, marker = marked["org"], marked["marker"]
    gone = {marked["contact_id"], marked["case_id"]}
    storage = org_storage(org)
    assert storage.exists(RecordVersion.objects.filter(org=org).first().segment.storage_key)

    search = run_search(org, "Contact", f"Email = '{marker}'", children=["Case"])
    versions = RecordVersion.objects.filter(org=org, record_id=marked["contact_id"])
    assert search.results["Contact"][marked["contact_id"]] == sorted(v.pk for v in versions)
    assert len(versions) == 4
    export = export_for_job(job=run_export(org, as_of_job=marked["jobs"][0], objects=["Contact"]))
    assert marker.encode() in _export_plaintext(export)
    before = _payloads(org, gone)
    assert any(marker in json.dumps(rows) for rows in segments_plaintext(org).values())

    PurgeSettings.objects.create(org=org, require_approval=True)
    purge = purge_request(search=search, actor=admin_a, enqueue=False)
    purge = purge_approve(purge=purge, actor=second_admin, enqueue=False)
    job = job_run_inline(job=purge.job)
    assert job.status == "completed", job.error_message
    purge.refresh_from_db()
    assert purge.status == Purge.Status.DONE and purge.certificate["exports_deleted"] == 1

    needles = [marker, marked["token"], *gone]
    for needle in needles:
        assert database_holds(needle) == [], needle
    plaintext = json.dumps(segments_plaintext(org))
    assert not any(needle in plaintext for needle in needles)
    assert files_holding(vault_storage, marker) == []
    if where == "s3":
        assert _s3_holding(endpoint, bucket, [n.encode() for n in needles]) == []
        # Every object version of a rewritten segment is gone, not just hidden.
        listed = s3_client(endpoint).list_object_versions(Bucket=bucket)
        live = {
            o["Key"] for o in s3_client(endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])
        }
        assert {v["Key"] for v in listed.get("Versions", [])} == live
        assert listed.get("DeleteMarkers", []) == []
    for kept in Export.objects.filter(org=org, deleted_at__isnull=True):
        assert marker.encode() not in _export_plaintext(kept)
    assert not Export.objects.filter(org=org, deleted_at__isnull=True, pk=export.pk).exists()
    assert not storage.exists(export.storage_key)
    # The other records of the rewritten segments read back exactly.
    assert _payloads(org, gone) == before


def test_another_tenant_gets_404_on_every_export_search_and_purge_url(
    marked, admin_a, client_outsider
):
    org = marked["org"]
    export_job = run_export(org, as_of_job=marked["jobs"][0], objects=["Contact"])
    export = export_for_job(job=export_job)
    search = run_search(org, "Contact", f"Email = '{marked['marker']}'")
    PurgeSettings.objects.create(org=org, require_approval=True)
    purge = purge_request(search=search, actor=admin_a, enqueue=False)
    urls = [
        reverse("exports:export", args=[org.pk]),
        reverse("exports:job_download", args=[org.pk, export_job.pk]),
        reverse("exports:download", args=[org.pk, export.pk]),
        reverse("search:search", args=[org.pk]),
        reverse("search:results", args=[org.pk, search.pk]),
        reverse("search:purge", args=[org.pk, purge.pk]),
        reverse("search:certificate_download", args=[org.pk, purge.pk]),
        reverse("jobs:job", args=[org.pk, search.job_id]),
    ]
    for url in urls:
        assert client_outsider.get(url).status_code == 404, url
        assert client_outsider.post(url, {"action": "approve"}).status_code in (404, 405), url
    purge.refresh_from_db()
    assert purge.status == Purge.Status.AWAITING_APPROVAL
    assert Export.objects.get(pk=export.pk).downloads == 0


def test_an_archived_marker_is_found_and_purged_with_its_archive_export(
    backup_org, sfsim, admin_a, vault_storage, tmp_path
):
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from exports.services import export_start
    from tests.archives.conftest import command, write_json
    from tests.fixtures.sfsim import sf_client
    from tests.search.support import run_backup

    org, sf = backup_org, sf_client(sfsim)
    token = uuid.uuid4().hex[:10]
    marker = f"arch-{token}@marker.example"
    person = sf.Contact.create({"LastName": f"Arc{token}", "Email": marker})["id"]
    other = sf.Contact.create({"LastName": f"Arc{token} other", "Email": f"o-{token}@x.example"})
    assert run_backup(org).status == "completed"
    sf.Contact.update(person, {"Title": "Changed"})
    assert run_backup(org).status == "completed"
    spec = {
        "name": f"Archive {token}",
        "objects": [{"name": "Contact", "filter": {"soql": f"LastName LIKE 'Arc{token}%'"}}],
    }
    command("archive_template_create", "--org", str(org.pk), "--from-json",
            write_json(tmp_path, spec))  # fmt: skip
    archived = command("archive_run", "--org", str(org.pk), "--template", f"Archive {token}",
                       "--wait", "--confirm", org.name)  # fmt: skip
    assert archived["status"] == "completed", archived
    states = list(
        RecordVersion.objects.filter(org=org, record_id=person)
        .order_by("valid_from")
        .values_list("state", flat=True)
    )
    assert states == ["present", "present", "archived"]

    search = run_search(org, "Contact", f"Email = '{marker}'")
    assert search.results["Contact"][person] == sorted(
        RecordVersion.objects.filter(org=org, record_id=person).values_list("pk", flat=True)
    )
    today = timezone.localdate()
    export_job = job_run_inline(job=export_start(
        org=org, objects=["Contact"], archives_from=str(today - timedelta(days=1)),
        archives_to=str(today + timedelta(days=1)), enqueue=False,
    ))  # fmt: skip
    export = export_for_job(job=export_job)
    assert marker.encode() in _export_plaintext(export)
    before = _payloads(org, {person})
    assert any(v for v in before.values() if v.get("Id") == other["id"])

    PurgeSettings.objects.create(org=org, require_approval=False)
    purge = purge_request(search=search, actor=admin_a, enqueue=False)
    assert job_run_inline(job=purge.job).status == "completed"
    purge.refresh_from_db()
    assert purge.status == Purge.Status.DONE and purge.certificate["exports_deleted"] == 1
    for needle in (marker, token + "@"):
        assert database_holds(needle) == [], needle
    # No table holds its Id either (the archive's per-record results forget it).
    assert database_holds(person) == []
    assert marker not in json.dumps(segments_plaintext(org))
    assert files_holding(vault_storage, marker) == []
    assert not org_storage(org).exists(export.storage_key)
    assert _payloads(org, {person}) == before
