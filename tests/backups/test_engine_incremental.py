"""Incremental composite backups and Composite & Sync against the simulator: exactly the
API's edits, soft deletes, undeletes and hard deletes are reported."""

from jobs.models import Job, JobObject
from orgs.services import org_data_key
from sfsim.store import Simulator
from tests.backups import engine_support
from tests.backups.engine_support import org_counts
from tests.backups.starts import backup_run_inline, backup_start
from tests.fixtures.sfsim import sf_client
from vault import selectors
from vault.models import RecordVersion

_fast_retries = engine_support._fast_retries
backup_org = engine_support.backup_org


def run_backup(org, **kwargs) -> Job:
    return backup_run_inline(job=backup_start(org=org, enqueue=False, **kwargs))


def changes(job) -> dict[tuple[str, str], str]:
    return {(v.object_name, v.record_id): v.change for v in selectors.job_changes(job=job)}


def undelete(sfsim, record_id: str) -> None:
    """The Recycle Bin's Undelete button (the REST API has no undelete call)."""
    creds = sfsim.credentials[0]
    org = Simulator(sfsim.data_dir).org(creds["org_id"])
    org.undelete(record_id, org.user(creds["user_id"]))


def test_next_backups_report_exactly_what_changed(backup_org, sfsim):
    sf = sf_client(sfsim)
    first = run_backup(backup_org)
    assert first.status == Job.Status.COMPLETED, first.error_message
    totals = {o.object_name: o.records for o in JobObject.objects.filter(job=first) if o.records}
    assert totals == org_counts(sfsim, totals)

    new_id = sf.Account.create({"Name": "Incremental Test Co"})["id"]
    contact_id = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Contact.update(contact_id, {"Title": "Chief Backup Tester"})
    # Leads in no campaign: deleting one takes along its CampaignMembers, as in Salesforce.
    in_campaigns = {
        r["LeadId"] for r in sf.query_all("SELECT LeadId FROM CampaignMember")["records"]
    }
    leads = [
        r["Id"]
        for r in sf.query_all("SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id")[
            "records"
        ]
        if r["Id"] not in in_campaigns
    ][:2]
    sf.Lead.delete(leads[0])

    second = run_backup(backup_org)
    assert second.status == Job.Status.COMPLETED, second.error_message
    assert changes(second) == {
        ("Account", new_id): "added",
        ("Contact", contact_id): "changed",
        ("Lead", leads[0]): "deleted",
    }
    assert (second.added, second.changed, second.deleted) == (1, 1, 1)
    lead = RecordVersion.objects.get(record_id=leads[0], valid_to__isnull=True)
    assert lead.state == RecordVersion.State.SOFT_DELETED

    # The record's history shows the field change, version by version.
    history = selectors.record_versions(org=backup_org, object_name="Contact", record_id=contact_id)
    payloads = selectors.version_payloads(
        org=backup_org, versions=history, data_key=org_data_key(backup_org)
    )
    assert [payloads[v.pk]["Title"] for v in history][-1] == "Chief Backup Tester"
    assert len(history) == 2 and payloads[history[0].pk]["Title"] != "Chief Backup Tester"

    undelete(sfsim, leads[0])
    sf.bulk2.Lead.hard_delete(records=[{"Id": leads[1]}], wait=0.2)

    third = run_backup(backup_org)  # plain composite: sees the undelete, not the hard delete
    assert changes(third) == {("Lead", leads[0]): "changed"}

    fourth = run_backup(backup_org, sync=True)
    assert fourth.status == Job.Status.COMPLETED, fourth.error_message
    assert changes(fourth) == {("Lead", leads[1]): "deleted"}
    gone = RecordVersion.objects.get(record_id=leads[1], valid_to__isnull=True)
    assert gone.state == RecordVersion.State.HARD_DELETED

    # Every record has exactly one current version and as many versions as changes seen.
    assert RecordVersion.objects.filter(org=backup_org, record_id=leads[0]).count() == 3
    counts = selectors.object_counts_as_of(
        org=backup_org, seq=selectors.published_seq(org=backup_org)
    )
    assert {k: v for k, v in counts.items() if k in totals} == org_counts(sfsim, totals)
