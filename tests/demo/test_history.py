"""The demo's history (demo/history.py) against a private simulator:
a full backup and incrementals on distinct earlier days, with added, changed and deleted
records, file bodies and metadata components; a second run adds nothing."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.history import JOB_NAME, DemoSimulator, demo_history_build
from jobs.models import Job
from orgs.models import Org
from sfsim.clock import parse_datetime
from tests.fixtures.sfsim import prepare_data_dir, start_sfsim
from vault.models import Blob, MetadataComponentVersion, RecordVersion, Snapshot

DAYS = 4


@pytest.fixture(scope="module")
def private_sfsim(tmp_path_factory):
    """A simulator of its own: the history moves its clock back, which the shared
    session simulator's other tests must not see."""
    data_dir = prepare_data_dir(tmp_path_factory.mktemp("demo-sfsim"), generate=300)
    with start_sfsim(data_dir) as server:
        yield server


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}


def connect(server, tenant) -> Org:
    creds = server.credentials[0]
    out = io.StringIO()
    call_command(
        "org_connect",
        "--tenant", tenant.name,
        "--name", "Demo Production",
        "--login-url", creds["login_url"],
        "--username", creds["username"],
        "--password", creds["password"],
        "--client-id", creds["client_id"],
        "--client-secret", creds["client_secret"],
        "--generate-key",
        "--ca-bundle", server.ca_path,
        "--json",
        stdout=out,
    )  # fmt: skip
    return Org.objects.get(pk=json.loads(out.getvalue())["org_id"])


def test_history_of_backups_on_earlier_days_then_nothing_more(
    private_sfsim, tenant_a, vault_storage
):
    org = connect(private_sfsim, tenant_a)
    sim = DemoSimulator.from_credentials(
        private_sfsim.data_dir, private_sfsim.ca_path, private_sfsim.credentials[0]
    )
    lines: list[str] = []

    summaries = demo_history_build(sim=sim, org_id=org.pk, days=DAYS, log=lines.append)

    jobs = list(Job.objects.filter(org=org).order_by("pk"))
    assert [j.name for j in jobs] == [JOB_NAME.format(day=d, days=DAYS) for d in range(1, 5)]
    assert [s["job_id"] for s in summaries] == [j.pk for j in jobs]
    assert all(j.status == Job.Status.COMPLETED for j in jobs), [j.error_message for j in jobs]
    assert len(lines) == DAYS and "full backup" in lines[0] and "incremental" in lines[1]

    # One job a day, on the days before today, each started and finished that day.
    today = timezone.localdate()
    days = [timezone.localdate(j.created_at) for j in jobs]
    assert days == [today - timedelta(days=n) for n in range(DAYS, 0, -1)]
    for job in jobs:
        assert timezone.localdate(job.finished_at) == timezone.localdate(job.created_at)
    snapshots = Snapshot.objects.filter(org=org).order_by("pk")
    assert [timezone.localdate(s.created_at) for s in snapshots] == days

    full, *incrementals = jobs
    assert full.added > 300 and full.changed == full.deleted == 0  # 300 generated + files
    for job in incrementals:
        assert job.added > 0 and job.changed > 0 and job.deleted > 0, job.name
        assert job.records > full.records // 2  # the org, not only the day's changes

    # Records edited on a day were stamped by the simulator on that day.
    changed = RecordVersion.objects.filter(org=org, job=incrementals[0], change="changed")
    assert changed.exists()
    assert {timezone.localdate(v.last_modified) for v in changed} == {days[1]}
    deleted = RecordVersion.objects.filter(org=org, change="deleted")
    assert deleted.values("object_name").distinct().count() >= 2

    # Files: bodies of Attachment and ContentVersion are stored (once per content).
    for name in ("Attachment", "ContentVersion"):
        files = RecordVersion.objects.filter(org=org, object_name=name, valid_to__isnull=True)
        assert files.count() >= 3, name
    assert Blob.objects.filter(org=org).count() >= 3 + 2 + (DAYS - 1) * 2

    # Metadata: every component of the org, an Apex class changed on day 2, one new on day 4.
    components = MetadataComponentVersion.objects.filter(org=org)
    assert components.filter(job=full).count() > 20
    service = components.filter(metadata_type="ApexClass", full_name="AccountService")
    assert [v.job_id for v in service.order_by("pk")] == [full.pk, jobs[1].pk]
    assert components.filter(full_name="InvoiceService", job=jobs[3]).exists()

    # The simulator's clock is back to the real time.
    sim_now = parse_datetime(private_sfsim.advance_clock(seconds=0))
    assert abs((sim_now - timezone.now()).total_seconds()) < 120

    # A second run reuses what exists.
    assert demo_history_build(sim=sim, org_id=org.pk, days=DAYS) == []
    assert Job.objects.filter(org=org).count() == DAYS
