"""Metadata backups against the simulator: every type and component it serves is stored
with its files and properties; a changed Apex class becomes a new version with a diff;
unchanged components keep their version; nothing readable is stored."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.db import connection

import backups.engine.metadata
from backups.engine.metadata import METADATA_UNIT
from backups.job_settings import JobSettings
from backups.metadata_selectors import file_diffs, file_views
from jobs.models import Job, JobObject
from orgs.services import org_client, org_data_key
from salesforce.metadata import MetadataClient
from tests.backups import engine_support
from tests.backups.starts import backup_run_inline, backup_start, metadata_backup_start
from vault.metadata_selectors import metadata_unseal, metadata_versions
from vault.models import MetadataComponentVersion

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def run_metadata(org, **kwargs) -> Job:
    job = backup_run_inline(job=metadata_backup_start(org=org, enqueue=False, **kwargs))
    assert job.status == Job.Status.COMPLETED, job.error_message
    return job


def current(org) -> dict[tuple[str, str], MetadataComponentVersion]:
    rows = MetadataComponentVersion.objects.filter(org=org, valid_to__isnull=True)
    return {(r.metadata_type, r.full_name): r for r in rows}


def listed_now(org) -> set[tuple[str, str]]:
    md = MetadataClient(org_client(org))
    types = md.describe()
    return {p.key for p in md.list_components(types, on_skip=print)}


def deploy_class(org, name: str, body: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "package.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Package xmlns="http://soap.sforce.com/2006/04/metadata">'
            f"<types><members>{name}</members><name>ApexClass</name></types>"
            "<version>59.0</version></Package>",
        )
        archive.writestr(f"classes/{name}.cls", body)
        archive.writestr(
            f"classes/{name}.cls-meta.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">'
            "<apiVersion>59.0</apiVersion><status>Active</status></ApexClass>",
        )
    result = MetadataClient(org_client(org)).deploy(buffer.getvalue())
    assert result.success, result.problems


def test_backup_lists_every_type_and_component_the_org_serves(backup_org, monkeypatch):
    monkeypatch.setattr(backups.engine.metadata, "MAX_FILES_PER_RETRIEVE", 60)
    job = run_metadata(backup_org)
    stored = current(backup_org)
    assert set(stored) == listed_now(backup_org)
    types = {t for t, _ in stored}
    assert {"ApexClass", "ApexTrigger", "CustomObject", "CustomField", "Layout", "Profile"} <= types
    assert {"Report", "ReportFolder", "EmailTemplate", "EmailFolder", "StaticResource"} <= types
    assert all(v.file_count for v in stored.values()), [
        k for k, v in stored.items() if not v.file_count
    ]

    unit = JobObject.objects.get(job=job, object_name=METADATA_UNIT)
    assert unit.records == len(stored) == unit.added == job.records == job.added
    assert unit.api_calls >= 4 and job.api_calls == unit.api_calls + job.setup_api_calls
    assert job.size_bytes == sum(v.size_bytes for v in stored.values()) > 0
    assert job.logs.filter(message__contains="call(s) of at most 60 files").exists()
    assert job.logs.filter(message__regex=r"call [2-9]\d* of").exists()

    key = org_data_key(backup_org)
    service = stored[("ApexClass", "AccountService")]
    properties = metadata_unseal(org=backup_org, versions=[service], data_key=key)[service.pk]
    assert set(properties["properties"]) >= {
        "id", "fullName", "fileName", "type", "createdById", "createdByName", "createdDate",
        "lastModifiedById", "lastModifiedByName", "lastModifiedDate", "manageableState",
    }  # fmt: skip
    assert properties["properties"]["fileName"] == "classes/AccountService.cls"
    files, error = file_views(org=backup_org, version=service)
    assert not error
    assert [f.name for f in files] == [
        "classes/AccountService.cls",
        "classes/AccountService.cls-meta.xml",
    ]
    assert "hotAccounts" in files[0].text
    logo, _ = file_views(org=backup_org, version=stored[("StaticResource", "brand_logo")])
    assert any(f.text is None and f.size > 0 for f in logo)


def test_changed_apex_class_is_a_new_version_with_a_diff(backup_org):
    deploy_class(backup_org, "MdDiffProbe", "public class MdDiffProbe {\n    Integer v = 1;\n}\n")
    first = run_metadata(backup_org)
    before = current(backup_org)
    assert before[("ApexClass", "MdDiffProbe")].job_id == first.pk

    deploy_class(backup_org, "MdDiffProbe", "public class MdDiffProbe {\n    Integer v = 2;\n}\n")
    second = run_metadata(backup_org)
    after = current(backup_org)
    probe = after[("ApexClass", "MdDiffProbe")]
    assert probe.job_id == second.pk and probe.change == "changed"
    assert second.changed >= 1 and second.added == 0 and second.deleted == 0
    untouched = [k for k in after if k[0] == "ApexClass" and k[1] == "AccountService"]
    assert after[untouched[0]].pk == before[untouched[0]].pk  # same content: same version
    written = MetadataComponentVersion.objects.filter(job=second)
    assert ("ApexClass", "MdDiffProbe") in {(v.metadata_type, v.full_name) for v in written}
    assert ("Profile", "Admin") not in {(v.metadata_type, v.full_name) for v in written}

    versions = metadata_versions(org=backup_org, metadata_type="ApexClass", full_name="MdDiffProbe")
    assert [v.valid_to is None for v in versions] == [False, True]
    old_version = MetadataComponentVersion.objects.get(pk=versions[0].pk)
    old, _ = file_views(org=backup_org, version=old_version)
    new, _ = file_views(org=backup_org, version=probe)
    diffs = {d.name: d for d in file_diffs(old=old, new=new)}
    lines = diffs["classes/MdDiffProbe.cls"].lines
    assert ("del", "-    Integer v = 1;") in lines and ("add", "+    Integer v = 2;") in lines
    assert diffs["classes/MdDiffProbe.cls-meta.xml"].identical


def test_composite_backup_with_metadata_runs_it_as_one_more_object(backup_org):
    job = backup_run_inline(
        job=backup_start(org=backup_org, settings=JobSettings(metadata=True), enqueue=False)
    )
    assert job.status == Job.Status.COMPLETED, job.error_message
    unit = JobObject.objects.get(job=job, object_name=METADATA_UNIT)
    assert unit.status == JobObject.Status.COMPLETED and unit.records > 0
    others = JobObject.objects.filter(job=job).exclude(pk=unit.pk)
    assert job.records == unit.records + sum(o.records for o in others)
    assert MetadataComponentVersion.objects.filter(job=job).count() == unit.added


def test_backup_run_metadata_only_prints_counters(backup_org):
    out = io.StringIO()
    call_command(
        "backup_run", "--org", str(backup_org.pk), "--metadata-only", "--wait", "--json", stdout=out
    )
    summary = json.loads(out.getvalue())
    assert summary["operation"] == "metadata_backup" and summary["status"] == "completed"
    assert summary["records"] == len(current(backup_org)) > 0


def test_marker_in_a_class_body_is_stored_nowhere_readable(backup_org, vault_storage):
    marker = "ZQX-metadata-marker-4d1e"
    deploy_class(backup_org, "MdMarkerProbe", f"public class MdMarkerProbe {{ // {marker}\n}}\n")
    run_metadata(backup_org)
    assert ("ApexClass", "MdMarkerProbe") in current(backup_org)
    files = [p for p in vault_storage.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert marker.encode() not in path.read_bytes(), path
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            for row in cursor.fetchall():
                assert marker not in repr(row), table


def test_an_aborted_backup_discards_its_versions_and_the_next_run_is_exact(backup_org, monkeypatch):
    first = run_metadata(backup_org)
    deploy_class(backup_org, "MdAbortProbe", "public class MdAbortProbe {}\n")
    monkeypatch.setattr(backups.engine.metadata, "MAX_FILES_PER_RETRIEVE", 40)
    write = backups.engine.metadata.MetadataWriter.write

    def write_then_abort(self, components):
        result = write(self, components)
        Job.objects.filter(pk=self.job.pk).update(abort_requested=True)
        return result

    monkeypatch.setattr(backups.engine.metadata.MetadataWriter, "write", write_then_abort)
    job = backup_run_inline(job=metadata_backup_start(org=backup_org, enqueue=False))
    assert job.status == Job.Status.ABORTED
    assert not MetadataComponentVersion.objects.filter(job=job).exists()
    assert all(v.job_id == first.pk for v in current(backup_org).values())

    monkeypatch.setattr(backups.engine.metadata.MetadataWriter, "write", write)
    again = run_metadata(backup_org)
    assert set(current(backup_org)) == listed_now(backup_org)
    assert again.added == 1 and again.changed == 0


class _Killed(BaseException):
    """Stands in for a worker killed mid-job (not an Exception: the runner cannot catch it)."""


def test_a_killed_run_resumes_after_its_last_stored_chunk(backup_org, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from jobs import runner

    monkeypatch.setattr(backups.engine.metadata, "MAX_FILES_PER_RETRIEVE", 40)
    write = backups.engine.metadata.MetadataWriter.write
    calls = []

    def write_then_die(self, components):
        result = write(self, components)
        calls.append(1)
        if len(calls) == 2:
            raise _Killed()
        return result

    monkeypatch.setattr(backups.engine.metadata.MetadataWriter, "write", write_then_die)
    job = metadata_backup_start(org=backup_org, enqueue=False)
    runner.job_prepare(job.pk)  # prepared; its object is handed to (absent) workers
    unit = JobObject.objects.get(job=job, object_name=METADATA_UNIT)
    with pytest.raises(_Killed):
        runner.job_object_run(unit.pk)
    unit.refresh_from_db()
    assert unit.status == JobObject.Status.IN_PROGRESS and unit.cursor["after"]
    monkeypatch.setattr(backups.engine.metadata.MetadataWriter, "write", write)
    assert runner.reap_stale_jobs(now=timezone.now() + timedelta(hours=1), inline=True) == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED, job.error_message
    assert job.logs.filter(message__startswith="Metadata: resuming after").exists()
    stored = MetadataComponentVersion.objects.filter(org=backup_org)
    assert stored.count() == len(current(backup_org)) == job.added
    assert set(current(backup_org)) == listed_now(backup_org)


def test_transient_metadata_api_faults_are_retried_and_logged(backup_org, sfsim_faults):
    sfsim_faults.set_faults({"route": "/services/Soap/m/*", "kind": "http503", "on_call": 2})
    job = run_metadata(backup_org)
    assert job.logs.filter(level="warning", message__contains="Metadata API listMetadata").exists()
    assert set(current(backup_org)) == listed_now(backup_org)


def test_the_metadata_tab_shows_what_the_org_serves(backup_org, client_admin_a):
    from collections import Counter

    from django.urls import reverse

    job = run_metadata(backup_org)
    per_type = Counter(t for t, _ in listed_now(backup_org))
    page = client_admin_a.get(reverse("backups:job_metadata", args=[backup_org.pk, job.pk]))
    text = page.content.decode()
    for metadata_type, count in per_type.items():
        assert (
            f'{metadata_type}/">{metadata_type}</a></td>\n            <td class="num">{count}</td>'
            in text
        )
    service = current(backup_org)[("ApexClass", "AccountService")]
    component = client_admin_a.get(
        reverse(
            "backups:job_metadata_component",
            args=[backup_org.pk, job.pk, "ApexClass", service.pk],
        )
    ).content.decode()
    assert "hotAccounts" in component and "classes/AccountService.cls-meta.xml" in component
