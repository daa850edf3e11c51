# ruff: noqa: S608  (SOQL text built in tests)
import io
import zipfile

import pytest

from sfsim import metadata as metadata_module
from sfsim.errors import SalesforceError

from .data_helpers import make_world

TYPES = (
    "ApexClass",
    "ApexTrigger",
    "CustomObject",
    "CustomField",
    "ValidationRule",
    "Flow",
    "Layout",
    "Profile",
    "PermissionSet",
    "Report",
    "EmailTemplate",
    "StaticResource",
)


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def test_describe_and_list_every_type(world):
    store = world.org.metadata
    described = {m["xmlName"]: m for m in store.describe_metadata()["metadataObjects"]}
    assert described["ApexClass"]["directoryName"] == "classes"
    assert described["Report"]["inFolder"] is True
    assert "CustomField" in described["CustomObject"]["childXmlNames"]
    for mtype in TYPES:
        listed = store.list_metadata(mtype)
        assert listed, mtype
        for props in listed:
            assert props["type"] == mtype and props["manageableState"] == "unmanaged"
            assert set(props) >= {
                "id",
                "fullName",
                "fileName",
                "createdById",
                "createdByName",
                "createdDate",
                "lastModifiedById",
                "lastModifiedByName",
                "lastModifiedDate",
                "namespacePrefix",
            }
    reports = store.list_metadata("Report", folder="SalesReports")
    assert [r["fullName"] for r in reports] == ["SalesReports/Pipeline_By_Stage"]
    fields = {f["fullName"] for f in store.list_metadata("CustomField")}
    assert "Project__c.Budget__c" in fields


def test_retrieve_builds_a_real_zip(world):
    zip_bytes, props = world.org.metadata.retrieve(
        {
            "ApexClass": ["*"],
            "CustomObject": ["Project__c"],
            "Report": ["*"],
            "StaticResource": ["brand_logo"],
            "ValidationRule": ["Opportunity.Amount_Not_Negative"],
        },
        "59.0",
    )
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        names = set(zf.namelist())
        package = zf.read("unpackaged/package.xml").decode()
        project = zf.read("unpackaged/objects/Project__c.object").decode()
        opportunity = zf.read("unpackaged/objects/Opportunity.object").decode()
    assert {
        "unpackaged/classes/AccountService.cls",
        "unpackaged/classes/AccountService.cls-meta.xml",
        "unpackaged/reports/SalesReports/Pipeline_By_Stage.report",
        "unpackaged/staticresources/brand_logo.resource",
        "unpackaged/staticresources/brand_logo.resource-meta.xml",
    } <= names
    assert "<name>ApexClass</name>" in package and "<version>59.0</version>" in package
    assert "<fullName>Budget__c</fullName>" in project
    assert "<fullName>Amount_Not_Negative</fullName>" in opportunity
    assert {p["type"] for p in props} >= {"ApexClass", "CustomObject", "Report"}


def test_deploy_creates_and_versions_components(world):
    store, admin = world.org.metadata, world.admin
    world.sim.clock.advance(seconds=10)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("src/package.xml", "<Package/>")
        zf.writestr("src/classes/AccountService.cls", "public class AccountService {}")
        zf.writestr("src/classes/AccountService.cls-meta.xml", "<ApexClass/>")
        zf.writestr("src/classes/NewThing.cls", "public class NewThing {}")
        zf.writestr(
            "src/objects/Account.object",
            (
                '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><fields>'
                "<fullName>Tier__c</fullName><label>Tier</label><type>Text</type>"
                "<length>20</length></fields></CustomObject>"
            ),
        )
        zf.writestr("src/nonsense/x.txt", "?")
    result = store.deploy(buf.getvalue(), admin)
    assert result["numberComponentsDeployed"] == 3 and result["numberComponentErrors"] == 1
    assert not result["success"] and result["componentFailures"][0]["fileName"] == "nonsense/x.txt"
    classes = {c["fullName"]: c for c in store.list_metadata("ApexClass")}
    assert "NewThing" in classes
    assert classes["AccountService"]["lastModifiedDate"] > classes["AccountService"]["createdDate"]
    versions = store.versions("ApexClass", "AccountService")
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[-1]["content"] == b"public class AccountService {}"
    account = world.org.create("Account", {"Name": "T", "Tier__c": "Gold"}, admin)
    assert world.org.get("Account", account, ["Tier__c"], admin)["Tier__c"] == "Gold"
    zip_bytes, _ = store.retrieve({"ApexClass": ["NewThing"]}, "59.0")
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        assert zf.read("unpackaged/classes/NewThing.cls") == b"public class NewThing {}"


def test_retrieve_refuses_more_than_10000_files(world, monkeypatch):
    monkeypatch.setattr(metadata_module, "MAX_RETRIEVE_FILES", 3)
    with pytest.raises(SalesforceError) as err:
        world.org.metadata.retrieve({"ApexClass": ["*"], "Report": ["*"]}, "59.0")
    assert err.value.error_code == "LIMIT_EXCEEDED"


def test_report_folders_are_listed_and_retrieved(world):
    store = world.org.metadata
    folders = {f["fullName"]: f for f in store.list_metadata("ReportFolder")}
    assert set(folders) == {"SalesReports", "SupportReports"}
    assert folders["SalesReports"]["fileName"] == "reports/SalesReports"
    assert [f["fullName"] for f in store.list_metadata("EmailFolder")] == ["SupportTemplates"]
    zip_bytes, props = store.retrieve(
        {"Report": ["SalesReports", "SalesReports/Pipeline_By_Stage"]}, "59.0"
    )
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        names = set(zf.namelist())
    assert {
        "unpackaged/reports/SalesReports-meta.xml",
        "unpackaged/reports/SalesReports/Pipeline_By_Stage.report",
    } <= names
    assert {p["type"] for p in props} == {"ReportFolder", "Report"}
