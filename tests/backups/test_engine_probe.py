"""Fewer API calls per incremental: describes answered 304 while unchanged, one composite
request counting the changes of up to 25 objects, and no describe or read at all for an
object without changes. Against a simulator of its own (the test changes a schema)."""

import pytest

from jobs.models import Job, JobObject
from orgs.describes import describe_cached
from orgs.services import org_client
from salesforce.reads import ObjectReader
from sfsim.schema import field_describe
from sfsim.store import Simulator
from tests.backups import engine_support
from tests.backups.starts import backup_run_inline, backup_start
from tests.fixtures.sfsim import prepare_data_dir, sf_client, start_sfsim

_fast_retries = engine_support._fast_retries


@pytest.fixture(scope="module")
def own_sim(tmp_path_factory):
    data_dir = prepare_data_dir(tmp_path_factory.mktemp("sfsim_probe"), generate=60)
    with start_sfsim(data_dir) as server:
        yield server


@pytest.fixture
def probe_org(db, tenant_a, own_sim, vault_storage):
    return engine_support.connect_org(own_sim, tenant_a)


def run_backup(org) -> Job:
    job = backup_run_inline(job=backup_start(org=org, enqueue=False))
    assert job.status == Job.Status.COMPLETED, job.error_message
    return job


def add_account_field(sim, name: str) -> None:
    creds = sim.credentials[0]
    org = Simulator(sim.data_dir).org(creds["org_id"])
    describe = org.describe("Account")
    describe["fields"].append(field_describe(name, "string", length=40))
    org.install_schema({"Account": describe})


def test_an_incremental_spends_two_calls_per_changed_object(probe_org, own_sim):
    full = run_backup(probe_org)
    read = JobObject.objects.filter(job=full).count()
    assert read > 25  # two composite probe requests below

    own_sim.advance_clock(days=1)  # past the overlap the next backup reads again
    sf = sf_client(own_sim)
    account_id = sf.query("SELECT Id FROM Account ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Account.update(account_id, {"Description": "changed after the full backup"})
    contact_id = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Contact.update(contact_id, {"Title": "Probe Tester"})
    task_id = sf.query("SELECT Id FROM Task ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Task.delete(task_id)

    incremental = run_backup(probe_org)
    objects = {o.object_name: o for o in JobObject.objects.filter(job=incremental)}
    changed = {name for name, o in objects.items() if o.added or o.changed or o.deleted}
    assert changed == {"Account", "Contact", "Task"}
    assert (incremental.changed, incremental.deleted) == (2, 1)
    # Each changed object: its describe (304) and one read; everything else: nothing.
    assert {name: objects[name].api_calls for name in changed} == dict.fromkeys(changed, 2)
    spent = {n: o.api_calls for n, o in objects.items() if n not in changed and o.api_calls}
    assert spent == {}
    # limits + 2 composite probes + 2 per changed object, within 2 x changed + 6
    assert incremental.api_calls == 1 + 2 + 2 * len(changed)
    assert incremental.api_calls <= 2 * len(changed) + 6
    # The unchanged objects still report their totals.
    assert {n: o.records for n, o in objects.items()} == {
        o.object_name: o.records for o in JobObject.objects.filter(job=full)
    }


def test_describe_is_304_until_the_schema_changes_and_the_new_field_is_backed_up(
    probe_org, own_sim
):
    run_backup(probe_org)
    cached, last_modified = describe_cached(org=probe_org, object_name="Account")
    assert cached is not None and last_modified

    client = org_client(probe_org)
    reader = ObjectReader.for_object(client, "Account")
    reader.load_describe(cached, last_modified)
    assert reader.describe_cached and reader.describe == cached and reader.calls == 1

    add_account_field(own_sim, "Probe_Region__c")
    reader.load_describe(cached, last_modified)
    assert not reader.describe_cached
    assert "Probe_Region__c" in reader.fields

    sf = sf_client(own_sim)
    account_id = sf.query("SELECT Id FROM Account ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Account.update(account_id, {"Probe_Region__c": "EMEA"})
    run_backup(probe_org)
    cached, _ = describe_cached(org=probe_org, object_name="Account")
    assert "Probe_Region__c" in {f["name"] for f in cached["fields"]}

    from orgs.services import org_data_key
    from vault import selectors

    versions = selectors.record_versions(org=probe_org, object_name="Account", record_id=account_id)
    payloads = selectors.version_payloads(
        org=probe_org, versions=versions, data_key=org_data_key(probe_org)
    )
    assert payloads[versions[-1].pk]["Probe_Region__c"] == "EMEA"


def test_composite_counts_25_objects_per_call(probe_org, own_sim):
    client = org_client(probe_org)
    names = [
        "Account", "Contact", "Lead", "Opportunity", "Case", "Task", "Event", "Campaign",
    ] * 4  # fmt: skip
    queries = {f"{n}{i}": f"SELECT COUNT() FROM {n}" for i, n in enumerate(names)}  # noqa: S608
    queries["broken"] = "SELECT COUNT() FROM NoSuchObject__c"
    reader = ObjectReader.for_object(client, "composite")
    totals = {k: body["totalSize"] for k, body in reader.query_many(queries).items()}
    assert reader.calls == 2  # 33 queries, 25 per composite request
    assert set(totals) == set(queries) - {"broken"}  # a failed subrequest is left out
    one_by_one = {n: ObjectReader.for_object(client, n).count() for n in set(names)}
    assert totals == {key: one_by_one[name] for key, name in zip(queries, names, strict=False)}
