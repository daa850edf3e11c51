# ruff: noqa: S608  (SOQL text built in tests)
import pytest

from sfsim.errors import SalesforceError

from .data_helpers import make_world, records

PERMISSION_QUERY = (
    "SELECT PermissionSet.PermissionsApiEnabled, PermissionSet.PermissionsViewAllData, "
    "PermissionSet.PermissionsModifyAllData, PermissionSet.PermissionsQueryAllFiles, "
    "PermissionSet.PermissionsSetAuditFields FROM PermissionSetAssignment "
    "WHERE AssigneeId = '{}'"
)


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def test_product_permission_query_reports_the_admins_permissions(world):
    rows = records(world.org, PERMISSION_QUERY.format(world.admin.id), world.admin)
    assert len(rows) == 1
    ps = rows[0]["PermissionSet"]
    assert ps["attributes"]["type"] == "PermissionSet"
    assert all(
        ps[f"Permissions{p}"] is True
        for p in ("ApiEnabled", "ViewAllData", "ModifyAllData", "QueryAllFiles", "SetAuditFields")
    )
    standard = records(world.org, PERMISSION_QUERY.format(world.standard.id), world.admin)
    assert standard[0]["PermissionSet"]["PermissionsViewAllData"] is False


def test_api_enabled_can_be_taken_away(world):
    org = world.org
    org.check_api_access(world.admin)
    org.set_permission("admin@sfsim.sfsim", "ApiEnabled", False)
    with pytest.raises(SalesforceError) as err:
        org.check_api_access(world.admin)
    assert (err.value.error_code, err.value.status) == ("API_CURRENTLY_DISABLED", 403)
    rows = records(org, PERMISSION_QUERY.format(world.admin.id), None)
    assert rows[0]["PermissionSet"]["PermissionsApiEnabled"] is False
    org.set_permission("admin@sfsim.sfsim", "ApiEnabled", True)
    org.check_api_access(world.admin)


def test_updating_the_permission_set_record_is_honoured(world):
    org, admin = world.org, world.admin
    ps_id = records(
        org,
        f"SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = '{admin.id}'",
        admin,
    )[0]["PermissionSetId"]
    org.update("PermissionSet", ps_id, {"PermissionsSetAuditFields": False}, admin)
    with pytest.raises(SalesforceError) as err:
        org.create("Account", {"Name": "x", "CreatedDate": "2020-01-01T00:00:00Z"}, admin)
    assert err.value.error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_view_all_data_limits_queries_to_owned_records(world):
    org, admin, standard = world.org, world.admin, world.standard
    mine = org.create("Account", {"Name": "Standard's"}, standard)
    theirs = org.create("Account", {"Name": "Admin's"}, admin)
    assert {r["Id"] for r in records(org, "SELECT Id FROM Account", standard)} == {mine}
    assert {r["Id"] for r in records(org, "SELECT Id FROM Account", admin)} == {mine, theirs}
    # objects without OwnerId are visible in full
    assert len(records(org, "SELECT Id FROM Profile", standard)) == 2
    org.set_permission("standard@sfsim.sfsim", "ViewAllData", True)
    assert len(records(org, "SELECT Id FROM Account", standard)) == 2
    header, rows = org.query_rows("SELECT Id FROM Account", include_deleted=False, user=admin)
    assert header == ["Id"] and len(list(rows)) == 2


def test_modify_all_data_guards_other_users_records(world):
    org, admin, standard = world.org, world.admin, world.standard
    theirs = org.create("Account", {"Name": "Admin's"}, admin)
    mine = org.create("Account", {"Name": "Standard's"}, standard)
    for call in (
        lambda: org.update("Account", theirs, {"Name": "x"}, standard),
        lambda: org.delete(theirs, standard),
    ):
        with pytest.raises(SalesforceError) as err:
            call()
        assert err.value.error_code == "INSUFFICIENT_ACCESS_OR_READONLY"
    org.update("Account", mine, {"Name": "Mine"}, standard)
    org.update("Account", mine, {"Name": "Admin can"}, admin)
    org.set_permission("standard@sfsim.sfsim", "ModifyAllData", True)
    org.update("Account", theirs, {"Name": "now allowed"}, standard)


def test_query_all_files_controls_file_visibility(world):
    org, admin, standard = world.org, world.admin, world.standard
    org.create(
        "ContentVersion",
        {"Title": "Admin file", "PathOnClient": "a.txt", "VersionData": "aGk="},
        admin,
    )
    assert records(org, "SELECT Id FROM ContentVersion", standard) == []
    org.set_permission("standard@sfsim.sfsim", "QueryAllFiles", True)
    assert len(records(org, "SELECT Id FROM ContentVersion", standard)) == 1


def test_password_login(world):
    creds = {c["username"]: c["password"] for c in world.sim.credentials()}
    user = world.org.authenticate_password("admin@sfsim.sfsim", creds["admin@sfsim.sfsim"])
    assert user.id == world.admin.id
    with pytest.raises(SalesforceError) as err:
        world.org.authenticate_password("admin@sfsim.sfsim", "wrong")
    assert err.value.error_code == "INVALID_LOGIN"
