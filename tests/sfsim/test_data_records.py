# ruff: noqa: S608  (SOQL text built in tests)
import base64

import pytest

from sfsim.errors import SalesforceError

from .data_helpers import make_world, records


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def _error(fn, *args):
    with pytest.raises(SalesforceError) as err:
        fn(*args)
    return err.value


def test_create_get_update_maintain_system_fields(world):
    org, admin = world.org, world.admin
    account_id = org.create("Account", {"Name": "Acme", "NumberOfEmployees": 5}, admin)
    assert account_id.startswith("001") and len(account_id) == 18
    rec = org.get("Account", account_id, None, admin)
    assert rec["attributes"]["type"] == "Account"
    assert rec["OwnerId"] == admin.id and rec["CreatedById"] == admin.id
    assert rec["IsDeleted"] is False and rec["NumberOfEmployees"] == 5
    assert rec["CreatedDate"] == rec["LastModifiedDate"] == rec["SystemModstamp"]
    assert rec["CreatedDate"].endswith("+0000")
    world.sim.clock.advance(seconds=5)
    org.update("Account", account_id, {"Phone": "555-0100"}, admin)
    after = org.get(
        "Account", account_id, ["Phone", "LastModifiedDate", "SystemModstamp", "CreatedDate"], admin
    )
    assert after["Phone"] == "555-0100"
    assert after["LastModifiedDate"] > rec["LastModifiedDate"]
    assert after["SystemModstamp"] >= after["LastModifiedDate"]
    assert after["CreatedDate"] == rec["CreatedDate"]


@pytest.mark.parametrize(
    ("sobject", "values", "code", "message"),
    [
        (
            "Contact",
            {"FirstName": "A"},
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
        ),
        ("Account", {"Name": "x" * 256}, "STRING_TOO_LONG", None),
        ("Account", {"Name": "a", "Nope__c": 1}, "INVALID_FIELD", None),
        ("Account", {"Name": "a", "IsDeleted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", None),
        (
            "Account",
            {"Name": "a", "NumberOfEmployees": "many"},
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            None,
        ),
        ("Account", {"Name": "a", "NumberOfEmployees": {"x": 1}}, "JSON_PARSER_ERROR", None),
        ("Contact", {"LastName": "a", "AccountId": "not an id"}, "MALFORMED_ID", None),
        (
            "Contact",
            {"LastName": "a", "AccountId": "001000000000001AAA"},
            "INVALID_CROSS_REFERENCE_KEY",
            None,
        ),
        (
            "Project__c",
            {"Name": "p", "Status__c": "Sometimes"},
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            None,
        ),
        (
            "Opportunity",
            {"Name": "o", "StageName": "Prospecting", "CloseDate": "2025-01-01", "Amount": -1},
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Amount cannot be negative.",
        ),
        ("Nope__c", {"Name": "x"}, "INVALID_TYPE", None),
        ("Contact", {"LastName": "x", "Email": "not-an-address"}, "INVALID_EMAIL_ADDRESS", None),
        (
            "Account",
            {"Name": "x", "Id": "001000000000001AAA"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "cannot specify Id in an insert call",
        ),
        ("ContentDocument", {"Title": "x"}, "INVALID_TYPE_FOR_OPERATION", None),
    ],
)
def test_validation_errors(world, sobject, values, code, message):
    err = _error(world.org.create, sobject, values, world.admin)
    assert err.error_code == code
    if message:
        assert err.message == message
    assert err.to_json() == [{"message": err.message, "errorCode": code, "fields": err.fields}]


def test_reference_must_point_at_the_right_object(world):
    org, admin = world.org, world.admin
    contact = org.create("Contact", {"LastName": "Doe"}, admin)
    err = _error(org.create, "Contact", {"LastName": "x", "AccountId": contact}, admin)
    assert err.error_code == "FIELD_INTEGRITY_EXCEPTION" and err.fields == ["AccountId"]


def test_update_errors(world):
    org, admin = world.org, world.admin
    account = org.create("Account", {"Name": "A"}, admin)
    assert _error(org.update, "Account", account, {"Name": None}, admin).error_code == (
        "REQUIRED_FIELD_MISSING"
    )
    assert (
        _error(
            org.update, "Account", account, {"CreatedDate": "2020-01-01T00:00:00Z"}, admin
        ).error_code
        == "INVALID_FIELD_FOR_INSERT_UPDATE"
    )
    missing = "001" + account[3:10] + "zzzzz" + account[15:]
    assert _error(org.update, "Account", missing[:15], {"Name": "b"}, admin).error_code == (
        "NOT_FOUND"
    )
    org.delete(account, admin)
    assert _error(org.update, "Account", account, {"Name": "b"}, admin).error_code == (
        "ENTITY_IS_DELETED"
    )


def test_unique_and_upsert_by_external_id(world):
    org, admin = world.org, world.admin
    pid, created = org.upsert("Project__c", "Code__c", "P-1", {"Name": "One"}, admin)
    assert created
    same, created = org.upsert("Project__c", "Code__c", "P-1", {"Name": "Uno"}, admin)
    assert same == pid and not created
    assert org.get("Project__c", pid, ["Name"], admin)["Name"] == "Uno"
    err = _error(org.create, "Project__c", {"Name": "Two", "Code__c": "p-1"}, admin)
    assert err.error_code == "DUPLICATE_VALUE" and pid in err.message
    assert _error(org.upsert, "Project__c", "Name__x", "1", {}, admin).status == 404


def test_audit_fields_need_set_audit_fields(world):
    org = world.org
    values = {"Name": "Old", "CreatedDate": "2019-05-01T10:00:00.000Z"}
    account = org.create("Account", values, world.admin)
    rec = org.get("Account", account, ["CreatedDate", "LastModifiedDate"], world.admin)
    assert rec["CreatedDate"] == "2019-05-01T10:00:00.000+0000"
    assert _error(org.create, "Account", values, world.standard).error_code == (
        "INVALID_FIELD_FOR_INSERT_UPDATE"
    )


def test_binary_bodies_and_content_version_creates_document(world):
    org, admin = world.org, world.admin
    account = org.create("Account", {"Name": "Files"}, admin)
    data = b"%PDF-1.4 binary \x00\x01"
    att = org.create(
        "Attachment",
        {"ParentId": account, "Name": "a.pdf", "Body": base64.b64encode(data).decode()},
        admin,
    )
    assert org.get_body("Attachment", att, "Body", admin) == data
    rec = org.get("Attachment", att, ["Body", "BodyLength"], admin)
    assert rec["Body"].endswith(f"/sobjects/Attachment/{att}/Body") and rec["BodyLength"] == 18
    version = org.create(
        "ContentVersion",
        {
            "Title": "Spec",
            "PathOnClient": "spec.txt",
            "FirstPublishLocationId": account,
            "VersionData": base64.b64encode(b"hello").decode(),
        },
        admin,
    )
    assert org.get_body("ContentVersion", version, "VersionData", admin) == b"hello"
    cv = org.get(
        "ContentVersion", version, ["ContentDocumentId", "IsLatest", "FileExtension"], admin
    )
    assert cv["ContentDocumentId"].startswith("069") and cv["IsLatest"] is True
    links = records(
        org,
        "SELECT LinkedEntityId FROM ContentDocumentLink WHERE "
        f"ContentDocumentId = '{cv['ContentDocumentId']}'",
        admin,
    )
    assert [link["LinkedEntityId"] for link in links] == [account]
    folder = records(org, "SELECT Id FROM Folder", admin)[0]["Id"]
    doc = org.create(
        "Document",
        {"FolderId": folder, "Name": "logo", "Body": base64.b64encode(b"png").decode()},
        admin,
    )
    assert org.get_body("Document", doc, "Body", admin) == b"png"


def test_account_history_records_changes(world):
    org, admin = world.org, world.admin
    account = org.create("Account", {"Name": "Before"}, admin)
    org.update("Account", account, {"Name": "After"}, admin)
    rows = records(
        org,
        f"SELECT Field, OldValue, NewValue FROM AccountHistory WHERE AccountId = '{account}'",
        admin,
    )
    assert {"Field": "Name", "OldValue": "Before", "NewValue": "After"} in [
        {k: r[k] for k in ("Field", "OldValue", "NewValue")} for r in rows
    ]


def test_nested_transaction_undoes_only_the_failing_write(world):
    org, admin = world.org, world.admin
    with org.transaction():
        kept = org.create("Account", {"Name": "Kept"}, admin)
        with pytest.raises(SalesforceError):
            # the validation rule refuses it: nothing of this create remains
            org.create(
                "Opportunity",
                {"Name": "o", "StageName": "Prospecting", "CloseDate": "2025-01-01", "Amount": -1},
                admin,
            )
    assert [r["Id"] for r in records(org, "SELECT Id FROM Account", admin)] == [kept]
    with pytest.raises(RuntimeError), org.transaction():
        org.create("Account", {"Name": "Rolled back"}, admin)
        raise RuntimeError("all or none")
    assert len(records(org, "SELECT Id FROM Account", admin)) == 1
    assert org.create("Account", {"Name": "Next"}, admin) > kept
