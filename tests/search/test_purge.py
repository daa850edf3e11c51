"""Purge a person from every version of a real backup history: no version, segment byte,
index row or database row holds the marker afterwards; the other records read back
unchanged; the vault verifies; legal holds refuse; two Admins are needed."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from jobs.services import job_run_inline
from orgs.services import org_data_key
from search.models import BlindIndexEntry, Purge, PurgeSettings
from search.services import purge_approve, purge_request
from tests.search.support import (
    database_holds,
    files_holding,
    run_search,
    segments_plaintext,
)
from vault.erasure import HeldRecords, records_erase
from vault.holds import legal_hold_place
from vault.models import RecordVersion
from vault.selectors import version_payloads
from vault.verify import vault_verify


def all_payloads(org, exclude_ids: set[str]) -> dict[int, dict]:
    versions = list(
        RecordVersion.objects.filter(org=org, segment__isnull=False).exclude(
            record_id__in=exclude_ids
        )
    )
    return version_payloads(org=org, versions=versions, data_key=org_data_key(org))


def test_purge_leaves_no_trace_and_the_rest_unchanged(marked, admin_a, second_admin, vault_storage):
    org, marker = marked["org"], marked["marker"]
    gone = {marked["contact_id"], marked["case_id"]}
    search = run_search(org, "Contact", f"Email = '{marker}'", children=["Case"])
    assert BlindIndexEntry.objects.filter(version__record_id=marked["contact_id"]).exists()
    before = all_payloads(org, gone)
    assert any(marker in json.dumps(rows) for rows in segments_plaintext(org).values())

    PurgeSettings.objects.create(org=org, require_approval=True)
    purge = purge_request(search=search, actor=admin_a, enqueue=False)
    assert purge.status == Purge.Status.AWAITING_APPROVAL and purge.job_id is None
    with pytest.raises(ValidationError, match="Another Admin"):
        purge_approve(purge=purge, actor=admin_a, enqueue=False)
    purge = purge_approve(purge=purge, actor=second_admin, enqueue=False)
    job = job_run_inline(job=purge.job)
    assert job.status == "completed", job.error_message
    purge.refresh_from_db()
    assert purge.status == Purge.Status.DONE

    # Nothing of the two records anywhere.
    assert not RecordVersion.objects.filter(org=org, record_id__in=gone).exists()
    assert not BlindIndexEntry.objects.filter(version__record_id__in=gone).exists()
    plaintexts = json.dumps(segments_plaintext(org))
    assert marker not in plaintexts and marked["token"] not in plaintexts
    assert not any(rid in plaintexts for rid in gone)
    assert files_holding(vault_storage, marker) == []
    assert database_holds(marker) == []
    assert database_holds(marked["contact_id"]) == []
    # Every other version reads back exactly as before.
    assert all_payloads(org, gone) == before
    report = vault_verify(org=org, data_key=org_data_key(org))
    assert report.ok, report.problems

    certificate = purge.certificate
    assert certificate["objects"] == {
        "Contact": {"records": 1, "versions": 4},
        "Case": {"records": 1, "versions": certificate["objects"]["Case"]["versions"]},
    }
    assert certificate["objects"]["Case"]["versions"] >= 2
    assert len(certificate["record_hashes"]["Contact"]) == 1
    assert certificate["segments_rewritten"] + certificate["segments_deleted"] >= 4
    assert certificate["index_rows_deleted"] > 0
    assert purge.requested_by == admin_a and purge.approved_by == second_admin
    # A search run again finds nothing; the old search forgets them.
    assert run_search(org, "Contact", f"Email = '{marker}'").counts == {"Contact": 0}
    search.refresh_from_db()
    assert search.results["Contact"] == {}


def test_a_legal_hold_refuses_the_purge(marked, admin_a):
    org = marked["org"]
    PurgeSettings.objects.create(org=org, require_approval=False)
    search = run_search(org, "Contact", f"Email = '{marked['marker']}'")
    legal_hold_place(
        org=org, actor=admin_a, reason="Case 7", object_name="Contact",
        record_id=marked["contact_id"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="legal hold"):
        purge_request(search=search, actor=admin_a, enqueue=False)
    with pytest.raises(HeldRecords):
        records_erase(
            org=org, data_key=org_data_key(org), records={"Contact": [marked["contact_id"]]}
        )
    assert RecordVersion.objects.filter(org=org, record_id=marked["contact_id"]).count() == 4
    assert not Purge.objects.filter(org=org).exists()


def test_without_the_two_person_rule_one_admin_purges(marked, admin_a):
    org = marked["org"]
    PurgeSettings.objects.create(org=org, require_approval=False)
    search = run_search(org, "Contact", f"Email = '{marked['marker']}'")
    purge = purge_request(search=search, actor=admin_a, include_children=False, enqueue=False)
    assert purge.status == Purge.Status.APPROVED and purge.approved_by == admin_a
    assert job_run_inline(job=purge.job).status == "completed"
    assert not RecordVersion.objects.filter(org=org, record_id=marked["contact_id"]).exists()
    # The Case was not chosen: it stays.
    assert RecordVersion.objects.filter(org=org, record_id=marked["case_id"]).exists()


def test_two_person_rule_is_on_by_default_for_production_orgs_only(backup_org, admin_a):
    from search.services import purge_required_approval, purge_settings_save

    backup_org.org_type = backup_org.OrgType.PRODUCTION
    assert purge_required_approval(org=backup_org)
    backup_org.org_type = backup_org.OrgType.SANDBOX
    assert not purge_required_approval(org=backup_org)
    purge_settings_save(org=backup_org, actor=admin_a, require_approval=True)
    assert purge_required_approval(org=backup_org)


def test_purge_run_command_with_two_admins(marked, admin_a, second_admin):
    org = marked["org"]
    PurgeSettings.objects.create(org=org, require_approval=True)
    search = run_search(org, "Contact", f"Email = '{marked['marker']}'", children=["Case"])
    out = io.StringIO()
    call_command("purge_run", str(search.pk), "--records", marked["contact_id"],
                 "--requested-by", admin_a.email, "--json", stdout=out)  # fmt: skip
    assert json.loads(out.getvalue())["status"] == "awaiting"
    Purge.objects.all().delete()
    out = io.StringIO()
    call_command(
        "purge_run", str(search.pk), "--records", marked["contact_id"],
        "--requested-by", admin_a.email, "--approved-by", second_admin.email,
        "--wait", "--json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["status"] == "done" and data["certificate"]["objects"]["Contact"]["records"] == 1
    assert not RecordVersion.objects.filter(
        org=org, record_id__in=[marked["contact_id"], marked["case_id"]]
    ).exists()
