"""The API quota (Settings → General): a backup stops before it uses more than the set
share of the org's daily API limit, cleanly, and a higher quota lets the next one finish.

The simulator here is private (its daily limit is changed), with 1,000 extra Accounts
read in REST pages of 200 so that the quota falls in the middle of one object.
"""

import pytest

from jobs.models import Job, JobLog, JobObject
from orgs.models import ObjectCatalogEntry
from salesforce import reads
from salesforce.client import ApiUsage
from salesforce.quota import ApiQuota, ApiQuotaReached, allowed
from tests.backups.engine_support import build_org, org_counts
from tests.backups.starts import backup_run_inline, backup_start
from tests.fixtures.sfsim import prepare_data_dir, sf_client, start_sfsim
from vault import selectors
from vault.models import RecordVersion, Snapshot

OBJECTS = ["Account", "Contact", "Opportunity"]
EXTRA_ACCOUNTS = 1000
PAGE = 200


@pytest.fixture(scope="module")
def quota_sim(tmp_path_factory):
    data_dir = prepare_data_dir(tmp_path_factory.mktemp("quota-sim"), generate=60)
    with start_sfsim(data_dir) as server:
        sf = sf_client(server)
        for start in range(0, EXTRA_ACCOUNTS, PAGE):
            records = [
                {"attributes": {"type": "Account"}, "Name": f"Quota test {n:04d}"}
                for n in range(start, start + PAGE)
            ]
            results = sf.restful("composite/sobjects", method="POST", json={"records": records})
            assert all(r["success"] for r in results)
        yield server


@pytest.fixture
def quota_org(db, tenant_a, quota_sim, vault_storage, monkeypatch):
    import backups.engine.connection
    import backups.engine.tuning

    monkeypatch.setattr(backups.engine.tuning, "RETRY_BASE_SECONDS", 0.01)
    monkeypatch.setattr(reads, "REST_BATCH_SIZE", PAGE)
    backups.engine.connection.client_cache.clear()
    org = build_org(quota_sim, tenant_a)
    ObjectCatalogEntry.objects.filter(org=org).exclude(name__in=OBJECTS).delete()
    yield org
    backups.engine.connection.client_cache.clear()
    set_daily_limit(quota_sim, 100_000)


def set_daily_limit(sim, maximum: int) -> None:
    sim.manage(
        "limit",
        "--username",
        sim.credentials[0]["username"],
        "--daily-api-requests",
        str(maximum),
    )


def api_used(sim) -> int:
    """The org's DailyApiRequests used so far (this call included)."""
    entry = sf_client(sim).limits()["DailyApiRequests"]
    return entry["Max"] - entry["Remaining"]


def run_backup(org) -> Job:
    return backup_run_inline(job=backup_start(org=org, enqueue=False))


def vault_rows(org) -> list[tuple]:
    return sorted(
        RecordVersion.objects.filter(org=org).values_list(
            "object_name", "record_id", "valid_from", "valid_to", "content_hash", "state"
        )
    )


def stored_files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def update_accounts(sim, description: str) -> None:
    sf = sf_client(sim)
    ids = [
        r["Id"]
        for r in sf.query_all("SELECT Id FROM Account WHERE Name LIKE 'Quota test %'")["records"]
    ]
    for start in range(0, len(ids), PAGE):
        records = [
            {"attributes": {"type": "Account"}, "Id": rid, "Description": description}
            for rid in ids[start : start + PAGE]
        ]
        results = sf.restful("composite/sobjects", method="PATCH", json={"records": records})
        assert all(r["success"] for r in results)


def test_rest_quota_stops_a_backup_at_a_page_and_80_percent_lets_the_next_finish(
    quota_org, quota_sim, vault_storage
):
    first = run_backup(quota_org)
    assert first.status == Job.Status.COMPLETED, first.error_message
    published = selectors.snapshot_latest(org=quota_org)
    before_rows, before_files = vault_rows(quota_org), stored_files(vault_storage)
    update_accounts(quota_sim, "changed after the first backup")

    # 10% of the daily limit is reached after: limits (1), Account describe (1),
    # COUNT() (1) and two pages of 200 changed Accounts (2).
    threshold = api_used(quota_sim) + 5
    maximum = threshold * 10
    set_daily_limit(quota_sim, maximum)
    quota_org.api_quota_rest_percent = 10
    quota_org.save(update_fields=["api_quota_rest_percent"])

    stopped = run_backup(quota_org)

    message = (
        f"Stopped: REST API use reached 10% of the org's daily limit "
        f"({threshold:,} of {maximum:,} calls); the quota is set in Settings → General."
    )
    assert stopped.status == Job.Status.ERROR
    logs = list(JobLog.objects.filter(job=stopped).values_list("level", "message"))
    assert (JobLog.Level.ERROR, f"Account failed: {message}") in logs
    assert (JobLog.Level.WARNING, "2 object(s) were not read: the API quota was reached.") in logs
    account = JobObject.objects.get(job=stopped, object_name="Account")
    assert account.status == JobObject.Status.EXCEPTION
    assert account.error_message == message
    assert account.records == 2 * PAGE  # two whole pages, then a clean stop
    assert account.cursor["next_url"]  # where a resume would read on
    others = JobObject.objects.filter(job=stopped).exclude(object_name="Account")
    assert {o.status for o in others} == {JobObject.Status.EXCEPTION}
    assert {o.records for o in others} == {0}
    # Not one call past the quota (this check's own call is the +1).
    assert api_used(quota_sim) == threshold + 1
    # The stopped snapshot is gone; the previous one is the latest and reads as before.
    assert Snapshot.objects.get(job=stopped).status == Snapshot.Status.DISCARDED
    assert selectors.snapshot_latest(org=quota_org) == published
    assert vault_rows(quota_org) == before_rows
    assert stored_files(vault_storage) == before_files

    quota_org.api_quota_rest_percent = 80
    quota_org.save(update_fields=["api_quota_rest_percent"])
    finished = run_backup(quota_org)

    assert finished.status == Job.Status.COMPLETED, finished.error_message
    objects = {o.object_name: o for o in JobObject.objects.filter(job=finished)}
    assert {name: o.records for name, o in objects.items()} == org_counts(quota_sim, OBJECTS)
    assert objects["Account"].changed == EXTRA_ACCOUNTS
    vault_ids = set(
        RecordVersion.objects.filter(
            org=quota_org, object_name="Account", valid_to__isnull=True
        ).values_list("record_id", flat=True)
    )
    org_ids = {r["Id"] for r in sf_client(quota_sim).query_all("SELECT Id FROM Account")["records"]}
    assert vault_ids == org_ids
    assert selectors.snapshot_latest(org=quota_org).job_id == finished.pk


def test_a_quota_used_up_before_the_start_stops_the_job_before_any_snapshot(quota_org, quota_sim):
    threshold = api_used(quota_sim)
    set_daily_limit(quota_sim, threshold * 10)
    quota_org.api_quota_rest_percent = 10
    quota_org.save(update_fields=["api_quota_rest_percent"])

    job = run_backup(quota_org)

    assert job.status == Job.Status.ERROR
    assert "Stopped: REST API use reached 10% of the org's daily limit" in job.error_message
    text = "\n".join(JobLog.objects.filter(job=job).values_list("message", flat=True))
    assert "API use at the start: REST" in text
    assert not Snapshot.objects.filter(job=job).exists()
    assert not JobObject.objects.filter(job=job).exists()


# --- the guard on its own ----------------------------------------------------------------


class FakeClient:
    def __init__(self, usage: ApiUsage | None = None):
        self.api_usage = usage


def limits(rest_used: int, rest_max: int, bulk_used: int = 0, bulk_max: int = 10_000) -> dict:
    return {
        "DailyApiRequests": {"Max": rest_max, "Remaining": rest_max - rest_used},
        "DailyBulkV2QueryJobs": {"Max": bulk_max, "Remaining": bulk_max - bulk_used},
    }


def test_the_rest_quota_follows_the_latest_limit_header():
    quota = ApiQuota(rest_percent=10, bulk_percent=80)
    client = FakeClient(ApiUsage(999, 10_000))
    quota.before_request(client, "GET", "queryAll/", read_limits=dict)
    client.api_usage = ApiUsage(1_000, 10_000)
    with pytest.raises(ApiQuotaReached) as caught:
        quota.before_request(client, "GET", "queryAll/", read_limits=dict)
    assert str(caught.value) == (
        "Stopped: REST API use reached 10% of the org's daily limit (1,000 of 10,000 calls); "
        "the quota is set in Settings → General."
    )


def test_without_a_header_the_guard_reads_limits_once():
    quota = ApiQuota(rest_percent=80, bulk_percent=80)
    reads_made = []

    def read_limits():
        reads_made.append(1)
        return limits(rest_used=7_999, rest_max=10_000)

    client = FakeClient()
    quota.before_request(client, "GET", "sobjects/Account/describe/", read_limits=read_limits)
    assert reads_made == [1]
    quota.rest = quota.rest.__class__(used=8_000, maximum=10_000)
    with pytest.raises(ApiQuotaReached):
        quota.before_request(client, "GET", "queryAll/", read_limits=read_limits)
    assert reads_made == [1]


def test_the_bulk_quota_counts_query_jobs_it_starts():
    quota = ApiQuota(rest_percent=100, bulk_percent=1)
    client = FakeClient(ApiUsage(10, 100_000))
    fetch = lambda: limits(rest_used=10, rest_max=100_000, bulk_used=98, bulk_max=10_000)  # noqa: E731

    quota.before_request(client, "POST", "jobs/query", read_limits=fetch)  # job 99 of 100
    quota.before_request(client, "GET", "jobs/query/750x/results", read_limits=fetch)
    quota.before_request(client, "POST", "jobs/query", read_limits=fetch)  # job 100
    with pytest.raises(ApiQuotaReached) as caught:
        quota.before_request(client, "POST", "jobs/query", read_limits=fetch)
    assert (
        "Bulk API use reached 1% of the org's daily limit (100 of 10,000 Bulk API query jobs)"
        in (str(caught.value))
    )
    # Reading results of a started job is only held to the REST quota.
    quota.before_request(client, "GET", "jobs/query/750x/results", read_limits=fetch)


def test_older_limits_fall_back_to_bulk_api_batches():
    quota = ApiQuota(rest_percent=80, bulk_percent=50)
    quota.use_limits({"DailyBulkApiBatches": {"Max": 15_000, "Remaining": 7_500}})
    with pytest.raises(ApiQuotaReached):
        quota.check(FakeClient(), bulk_job=True)


@pytest.mark.parametrize("value", [0, 101])
def test_percents_outside_1_to_100_are_refused(value):
    with pytest.raises(ValueError, match="between 1 and 100"):
        ApiQuota(rest_percent=value, bulk_percent=80)


def test_allowed_calls():
    assert allowed(10_000, 10) == 1_000
    assert allowed(5, 10) == 1  # a tiny limit still allows a call
    assert allowed(0, 80) == 0


def test_the_rest_quota_also_stops_a_bulk_api_read(quota_org, quota_sim, monkeypatch):
    import backups.engine.connection
    import backups.engine.tuning

    monkeypatch.setattr(backups.engine.tuning, "BULK_THRESHOLD", 100)
    first = run_backup(quota_org)
    assert first.status == Job.Status.COMPLETED, first.error_message
    assert JobObject.objects.get(job=first, object_name="Account").method == "bulk"
    published = selectors.snapshot_latest(org=quota_org)
    before_rows = vault_rows(quota_org)
    update_accounts(quota_sim, "changed for the Bulk read")

    # limits (1), describe (1), COUNT() (1), limits before the Bulk job (1), the Bulk
    # query job (1), its first status poll (1): then the quota is reached.
    threshold = api_used(quota_sim) + 6
    set_daily_limit(quota_sim, threshold * 10)
    quota_org.api_quota_rest_percent = 10
    quota_org.save(update_fields=["api_quota_rest_percent"])

    stopped = run_backup(quota_org)

    assert stopped.status == Job.Status.ERROR
    account = JobObject.objects.get(job=stopped, object_name="Account")
    assert account.method == "bulk"
    assert account.error_message.startswith("Stopped: REST API use reached 10%")
    assert api_used(quota_sim) == threshold + 1
    assert selectors.snapshot_latest(org=quota_org) == published
    assert vault_rows(quota_org) == before_rows

    quota_org.api_quota_rest_percent = 80
    quota_org.save(update_fields=["api_quota_rest_percent"])
    finished = run_backup(quota_org)
    assert finished.status == Job.Status.COMPLETED, finished.error_message
    account = JobObject.objects.get(job=finished, object_name="Account")
    assert (account.method, account.changed) == ("bulk", EXTRA_ACCOUNTS)
