# ruff: noqa: S608  (SOQL text built in tests)
import io
import zipfile

import pytest

from sfsim.errors import SalesforceError

from .data_helpers import make_world, records

OPP = {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2025-06-30"}


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def _deploy_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "unpackaged/package.xml",
            '<?xml version="1.0"?><Package xmlns='
            '"http://soap.sforce.com/2006/04/metadata"><version>59.0</version></Package>',
        )
        for name, text in files.items():
            zf.writestr(f"unpackaged/{name}", text)
    return buf.getvalue()


def _meta(root: str, body: str) -> str:
    return f'<{root} xmlns="http://soap.sforce.com/2006/04/metadata">{body}</{root}>'


def test_trigger_sets_rating_and_can_be_deactivated(world):
    org, admin = world.org, world.admin
    hot = org.create("Account", {"Name": "Big", "AnnualRevenue": 20_000_000}, admin)
    assert org.get("Account", hot, ["Rating"], admin)["Rating"] == "Hot"
    small = org.create("Account", {"Name": "Small", "AnnualRevenue": 10}, admin)
    org.update("Account", small, {"AnnualRevenue": 11_000_000}, admin)
    assert org.get("Account", small, ["Rating"], admin)["Rating"] == "Hot"
    trigger = org.tooling_query(
        "SELECT Id, Name, Status, TableEnumOrId, Body FROM ApexTrigger", admin
    )["records"][0]
    assert (trigger["Name"], trigger["Status"], trigger["TableEnumOrId"]) == (
        "AccountRatingTrigger",
        "Active",
        "Account",
    )
    assert "Rating = 'Hot'" in trigger["Body"]
    org.tooling_update("ApexTrigger", trigger["Id"], {"Status": "Inactive"}, admin)
    cold = org.create("Account", {"Name": "Big2", "AnnualRevenue": 20_000_000}, admin)
    assert org.get("Account", cold, ["Rating"], admin)["Rating"] is None
    status = org.tooling_query(
        "SELECT Status FROM ApexTrigger WHERE Name = 'AccountRatingTrigger'", admin
    )["records"][0]["Status"]
    assert status == "Inactive"


def test_validation_rule_rejects_negative_amount_until_deactivated(world):
    org, admin = world.org, world.admin
    with pytest.raises(SalesforceError) as err:
        org.create("Opportunity", {**OPP, "Amount": -5}, admin)
    assert err.value.error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    rule = org.tooling_query(
        "SELECT Id, ValidationName, Active, EntityDefinitionId, ErrorMessage FROM ValidationRule",
        admin,
    )["records"][0]
    assert rule["ValidationName"] == "Amount_Not_Negative" and rule["Active"] is True
    assert rule["EntityDefinitionId"] == "Opportunity"
    assert rule["ErrorMessage"] == "Amount cannot be negative."
    result = org.metadata.deploy(
        _deploy_zip(
            {
                "objects/Opportunity.object": _meta(
                    "CustomObject",
                    "<validationRules><fullName>Amount_Not_Negative</fullName>"
                    "<active>false</active></validationRules>",
                )
            }
        ),
        admin,
    )
    assert result["success"] and result["numberComponentsDeployed"] == 1
    org.create("Opportunity", {**OPP, "Amount": -5}, admin)
    org.tooling_update("ValidationRule", rule["Id"], {"Metadata": {"active": True}}, admin)
    with pytest.raises(SalesforceError):
        org.create("Opportunity", {**OPP, "Amount": -1}, admin)


def test_flow_creates_task_for_high_priority_cases(world):
    org, admin = world.org, world.admin
    case = org.create("Case", {"Subject": "Fire", "Priority": "High"}, admin)
    tasks = records(
        org, f"SELECT Subject, WhatId, OwnerId FROM Task WHERE WhatId = '{case}'", admin
    )
    assert len(tasks) == 1 and tasks[0]["OwnerId"] == admin.id
    org.create("Case", {"Subject": "Meh", "Priority": "Low"}, admin)
    assert len(records(org, "SELECT Id FROM Task", admin)) == 1
    flow = org.tooling_query(
        "SELECT Id, DeveloperName, ActiveVersionId, LatestVersionId FROM FlowDefinition", admin
    )["records"][0]
    assert flow["DeveloperName"] == "Case_Escalation_Task"
    assert flow["ActiveVersionId"] == flow["LatestVersionId"]
    result = org.metadata.deploy(
        _deploy_zip(
            {
                "flowDefinitions/Case_Escalation_Task.flowDefinition": _meta(
                    "FlowDefinition", "<activeVersionNumber>0</activeVersionNumber>"
                )
            }
        ),
        admin,
    )
    assert result["success"]
    org.create("Case", {"Subject": "Fire 2", "Priority": "High"}, admin)
    assert len(records(org, "SELECT Id FROM Task", admin)) == 1
    flow = org.tooling_query("SELECT Id, ActiveVersionId FROM FlowDefinition", admin)["records"][0]
    assert flow["ActiveVersionId"] is None
    org.tooling_update(
        "FlowDefinition", flow["Id"], {"Metadata": {"activeVersionNumber": 1}}, admin
    )
    org.create("Case", {"Subject": "Fire 3", "Priority": "High"}, admin)
    assert len(records(org, "SELECT Id FROM Task", admin)) == 2


def test_trigger_deactivated_by_metadata_deploy(world):
    org, admin = world.org, world.admin
    body = org.tooling_query("SELECT Body FROM ApexTrigger", admin)["records"][0]["Body"]
    result = org.metadata.deploy(
        _deploy_zip(
            {
                "triggers/AccountRatingTrigger.trigger": body,
                "triggers/AccountRatingTrigger.trigger-meta.xml": _meta(
                    "ApexTrigger", "<apiVersion>59.0</apiVersion><status>Inactive</status>"
                ),
            }
        ),
        admin,
    )
    assert result["success"]
    account = org.create("Account", {"Name": "Big", "AnnualRevenue": 50_000_000}, admin)
    assert org.get("Account", account, ["Rating"], admin)["Rating"] is None
    zip_bytes, _props = org.metadata.retrieve({"ApexTrigger": ["*"]}, "59.0")
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        meta = zf.read("unpackaged/triggers/AccountRatingTrigger.trigger-meta.xml").decode()
    assert "<status>Inactive</status>" in meta


def test_tooling_errors(world):
    with pytest.raises(SalesforceError) as err:
        world.org.tooling_query("SELECT Id FROM Nope", world.admin)
    assert err.value.error_code == "INVALID_TYPE"
    with pytest.raises(SalesforceError) as err:
        world.org.tooling_query("SELECT FROM ApexTrigger", world.admin)
    assert err.value.error_code == "MALFORMED_QUERY"
