"""Metadata restore against the simulator over HTTPS: component versions from a metadata
backup are deployed back through the Metadata API (a class's body, a validation rule's
active flag inside its object), with a check-only mode, and as a "metadata" restore
request run by the restore job."""

import io
import json
import zipfile

from django.core.management import call_command

from jobs.models import Job, JobLog
from jobs.services import job_run_inline
from orgs.services import org_client
from restores.metadata_restore import metadata_restore_run
from restores.models import RestoreRequest, RestoreRun
from restores.services import restore_start
from salesforce.metadata import MetadataClient
from tests.backups.starts import backup_run_inline, metadata_backup_start
from tests.fixtures.sfsim import sf_client
from tests.restores.automation_support import RULE, all_on, set_active, states
from tests.restores.factories import make_request
from vault.models import Snapshot

CLASS = "AccountService"


def _metadata_backup(org) -> Job:
    job = backup_run_inline(job=metadata_backup_start(org=org, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    return job


def _deploy_class(org, body: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "package.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Package xmlns="http://soap.sforce.com/2006/04/metadata">'
            f"<types><members>{CLASS}</members><name>ApexClass</name></types>"
            "<version>59.0</version></Package>",
        )
        archive.writestr(f"classes/{CLASS}.cls", body)
        archive.writestr(
            f"classes/{CLASS}.cls-meta.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">'
            "<apiVersion>59.0</apiVersion><status>Active</status></ApexClass>",
        )
    result = MetadataClient(org_client(org)).deploy(buffer.getvalue())
    assert result.success, result.problems


def _body(sf) -> str:
    soql = f"SELECT Body FROM ApexClass WHERE Name = '{CLASS}'"  # noqa: S608 -- a constant
    return sf.restful("tooling/query", params={"q": soql})["records"][0]["Body"]


def test_metadata_restore_deploys_the_backed_up_versions(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    all_on(sf)
    original = _body(sf)
    good = _metadata_backup(org)
    seq = Snapshot.objects.get(org=org, job=good).seq
    try:
        _deploy_class(org, "public class AccountService { /* broken */ }")
        set_active(sf, *RULE, False)
        components = [
            f"ApexClass:{CLASS}",
            "ValidationRule:Opportunity.Amount_Not_Negative",
            "ApexClass:NoSuchClass",
        ]

        checked = metadata_restore_run(
            org=org, components=components, as_of_seq=seq, check_only=True
        )
        assert checked.success and checked.deployed == components[:2]
        assert "broken" in _body(sf) and states(sf)[RULE] is False  # validated only

        result = metadata_restore_run(org=org, components=components, as_of_seq=seq)
        assert result.success, result.problems
        assert result.deployed == components[:2]
        assert result.skipped == [("ApexClass:NoSuchClass", "not in that backup")]
        assert result.api_calls >= 2  # deploy + checkDeployStatus
        assert _body(sf) == original
        assert states(sf)[RULE] is True
    finally:
        all_on(sf)


def test_a_metadata_restore_request_runs_as_a_restore_job(backup_org, sfsim):
    org = backup_org
    sf = sf_client(sfsim)
    original = _body(sf)
    good = _metadata_backup(org)
    _deploy_class(org, "public class AccountService { /* broken again */ }")
    request = make_request(
        org,
        type=RestoreRequest.Type.METADATA,
        correct_job=good,
        correct_seq=Snapshot.objects.get(org=org, job=good).seq,
        object_names=[f"ApexClass:{CLASS}"],
    )
    job = job_run_inline(job=restore_start(request=request, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    assert _body(sf) == original
    run = RestoreRun.objects.get(job=job)
    assert run.counts == {"metadata": {"deploy": 1, "skipped": 0, "failed": 0}}
    assert JobLog.objects.filter(job=job, message__startswith="Deployed 1 component(s)").exists()

    out = io.StringIO()
    call_command(
        "metadata_restore", "--org", str(org.pk), "--as-of-job", str(good.pk),
        "--components", f"ApexClass:{CLASS},Layout:NoSuchLayout", "--check-only", "--json",
        stdout=out,
    )  # fmt: skip
    answer = json.loads(out.getvalue())
    assert answer["success"] and answer["deployed"] == [f"ApexClass:{CLASS}"]
    assert answer["skipped"] == [
        {"component": "Layout:NoSuchLayout", "reason": "not in that backup"}
    ]
