# ruff: noqa: S608  (SOQL text built in tests)
import pytest

from sfsim.errors import SalesforceError

from .data_helpers import make_world, records


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def _deleted_flags(org, user, sobject):
    return {
        r["Id"]: r["IsDeleted"]
        for r in records(org, f"SELECT Id, IsDeleted FROM {sobject}", user, True)
    }


def test_delete_cascades_to_contacts_and_undelete_restores_them(world):
    org, admin = world.org, world.admin
    account = org.create("Account", {"Name": "Parent"}, admin)
    contacts = [
        org.create("Contact", {"LastName": f"C{i}", "AccountId": account}, admin) for i in range(3)
    ]
    org.delete(account, admin)
    assert records(org, "SELECT Id FROM Contact", admin) == []
    assert set(_deleted_flags(org, admin, "Contact").values()) == {True}
    assert _deleted_flags(org, admin, "Account")[account] is True
    with pytest.raises(SalesforceError) as err:
        org.get("Account", account, None, admin)
    assert err.value.error_code == "ENTITY_IS_DELETED" and err.value.status == 404
    with pytest.raises(SalesforceError) as err:
        org.delete(account, admin)
    assert err.value.error_code == "ENTITY_IS_DELETED"
    org.undelete(account, admin)
    assert sorted(r["Id"] for r in records(org, "SELECT Id FROM Contact", admin)) == contacts
    with pytest.raises(SalesforceError) as err:
        org.undelete(account, admin)
    assert err.value.error_code == "UNDELETE_FAILED"


def test_restricted_delete_is_refused_while_a_case_exists(world):
    org, admin = world.org, world.admin
    account = org.create("Account", {"Name": "Has case"}, admin)
    case = org.create("Case", {"AccountId": account, "Subject": "Broken"}, admin)
    with pytest.raises(SalesforceError) as err:
        org.delete(account, admin)
    assert err.value.error_code == "DELETE_FAILED"
    assert case in err.value.message
    assert _deleted_flags(org, admin, "Account")[account] is False
    org.delete(case, admin)
    org.delete(account, admin)


def test_master_detail_cascade_and_lookup_set_null(world):
    org, admin = world.org, world.admin
    account = org.create("Account", {"Name": "Owner"}, admin)
    project = org.create("Project__c", {"Name": "P", "Account__c": account}, admin)
    task = org.create("Project_Task__c", {"Name": "T", "Project__c": project}, admin)
    org.delete(account, admin)
    assert org.get("Project__c", project, ["Account__c"], admin)["Account__c"] is None
    org.delete(project, admin)
    assert _deleted_flags(org, admin, "Project_Task__c")[task] is True


def test_recycle_bin_purge_after_15_days_and_deleted_resource(world):
    org, admin, clock = world.org, world.admin, world.sim.clock
    start = clock.now()
    account = org.create("Account", {"Name": "Gone"}, admin)
    contact = org.create("Contact", {"LastName": "Gone", "AccountId": account}, admin)
    org.delete(account, admin)
    deleted = org.deleted("Account", start, clock.now())
    assert [d["id"] for d in deleted["deletedRecords"]] == [account]
    clock.advance(days=14)
    assert account in _deleted_flags(org, admin, "Account")
    clock.advance(days=1, seconds=60)
    assert account not in _deleted_flags(org, admin, "Account")
    assert contact not in _deleted_flags(org, admin, "Contact")
    with pytest.raises(SalesforceError) as err:
        org.undelete(account, admin)
    assert err.value.error_code == "UNDELETE_FAILED"
    recent = org.deleted("Contact", clock.now().replace(year=clock.now().year - 1), clock.now())
    assert recent["deletedRecords"] == []  # older than the 15 days the resource covers
    assert recent["earliestDateAvailable"] <= recent["latestDateCovered"]


def test_hard_delete_and_empty_recycle_bin(world):
    org, admin = world.org, world.admin
    start = world.sim.clock.now()
    a1 = org.create("Account", {"Name": "Hard"}, admin)
    c1 = org.create("Contact", {"LastName": "Hard", "AccountId": a1}, admin)
    org.hard_delete(a1, admin)
    assert a1 not in _deleted_flags(org, admin, "Account")
    assert c1 not in _deleted_flags(org, admin, "Contact")
    assert a1 in [
        d["id"] for d in org.deleted("Account", start, world.sim.clock.now())["deletedRecords"]
    ]
    a2 = org.create("Account", {"Name": "Bin"}, admin)
    org.delete(a2, admin)
    org.empty_recycle_bin([a2], admin)
    assert a2 not in _deleted_flags(org, admin, "Account")


def test_updated_resource_lists_changed_ids(world):
    org, admin, clock = world.org, world.admin, world.sim.clock
    start = clock.now()
    account = org.create("Account", {"Name": "Changed"}, admin)
    assert account in org.updated("Account", start, clock.advance(seconds=1))["ids"]
