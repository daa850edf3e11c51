"""The org's API quota (Settings → General) holds for archives: a run that reaches it
stops cleanly with the quota's message — not one call past it, nothing deleted from the
org, the partial copy discarded — and a run with a higher quota archives everything."""

from jobs.models import Job
from tests.archives.conftest import command, live_ids, write_json
from tests.archives.test_run import make_contacts, spec
from tests.fixtures.sfsim import sf_client


def set_daily_limit(sim, maximum: int) -> None:
    sim.manage("limit", "--username", sim.credentials[0]["username"],
               "--daily-api-requests", str(maximum))  # fmt: skip


def api_used(sim) -> int:
    entry = sf_client(sim).limits()["DailyApiRequests"]
    return entry["Max"] - entry["Remaining"]


def test_an_archive_stops_at_the_quota_and_deletes_nothing(
    archive_org, sf, sfsim, marker, tmp_path
):
    made = make_contacts(sf, marker, n=3)
    command("archive_template_create", "--org", str(archive_org.pk), "--from-json",
            write_json(tmp_path, spec(marker)))  # fmt: skip
    try:
        threshold = api_used(sfsim) + 6  # limits, describes, a count: then the quota
        set_daily_limit(sfsim, threshold * 10)
        archive_org.api_quota_rest_percent = 10
        archive_org.save(update_fields=["api_quota_rest_percent"])
        stopped = command("archive_run", "--org", str(archive_org.pk), "--template",
                          f"Archive {marker}", "--wait", "--confirm", archive_org.name)  # fmt: skip
        assert stopped["status"] == Job.Status.ERROR
        job = Job.objects.get(pk=stopped["job_id"])
        assert "REST API use reached 10% of the org's daily limit" in job.error_message or any(
            "REST API use reached 10%" in m for m in job.logs.values_list("message", flat=True)
        )
        assert api_used(sfsim) <= threshold + 1  # this check's own call is the +1
        where = f"LastName LIKE '{marker}%'"
        assert live_ids(sf, "Contact", where) == set(made["Contact"])  # nothing deleted
        assert stopped["totals"]["deleted"] == 0

        archive_org.api_quota_rest_percent = 100
        archive_org.save(update_fields=["api_quota_rest_percent"])
        set_daily_limit(sfsim, 100_000)
        finished = command("archive_run", "--org", str(archive_org.pk), "--template",
                           f"Archive {marker}", "--wait", "--confirm", archive_org.name)  # fmt: skip
        assert finished["status"] == Job.Status.COMPLETED
        assert finished["objects"]["Contact"]["deleted"] == 3
        assert live_ids(sf, "Contact", where) == set()
    finally:
        set_daily_limit(sfsim, 100_000)
