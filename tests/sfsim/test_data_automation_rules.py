"""The simulator's workflow rule and duplicate rule: inactive when the org is made, listed
and retrieved as Salesforce serves them, switched on and off by a Metadata API deploy,
and acting on writes only while active."""

import io
import zipfile

import pytest

from sfsim.errors import SalesforceError

from .data_helpers import make_world

NS = "http://soap.sforce.com/2006/04/metadata"


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def _retrieve(org, members: dict[str, list[str]]) -> dict[str, str]:
    zip_bytes, _props = org.metadata.retrieve(members, "59.0")
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        return {n.removeprefix("unpackaged/"): zf.read(n).decode() for n in zf.namelist()}


def _deploy(org, admin, files: dict[str, str]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("package.xml", f'<Package xmlns="{NS}"><version>59.0</version></Package>')
        for name, text in files.items():
            zf.writestr(name, text)
    result = org.metadata.deploy(buf.getvalue(), admin)
    assert result["success"], result


def test_rules_are_listed_retrieved_and_switched_by_deploy(world):
    org, admin = world.org, world.admin
    listed = {
        (p["type"], p["fullName"], p["fileName"])
        for t in ("Workflow", "WorkflowRule", "DuplicateRule")
        for p in org.metadata.list_metadata(t)
    }
    assert listed == {
        ("Workflow", "Lead", "workflows/Lead.workflow"),
        ("WorkflowRule", "Lead.Lead_Default_Source", "workflows/Lead.workflow"),
        (
            "DuplicateRule",
            "Lead.Lead_Duplicate_Email",
            "duplicateRules/Lead.Lead_Duplicate_Email.duplicateRule",
        ),
    }
    files = _retrieve(org, {"WorkflowRule": ["Lead.Lead_Default_Source"], "DuplicateRule": ["*"]})
    workflow = files["workflows/Lead.workflow"]
    duplicate = files["duplicateRules/Lead.Lead_Duplicate_Email.duplicateRule"]
    assert "<fullName>Lead_Default_Source</fullName>" in workflow
    assert "<active>false</active>" in workflow and "<isActive>false</isActive>" in duplicate

    # Inactive: a Lead without LeadSource stays so, a second Lead with the same Email is let in.
    first = org.create("Lead", {"LastName": "A", "Company": "X", "Email": "a@x.example"}, admin)
    assert org.get("Lead", first, ["LeadSource"], admin)["LeadSource"] is None
    org.create("Lead", {"LastName": "B", "Company": "X", "Email": "a@x.example"}, admin)

    _deploy(
        org,
        admin,
        {
            "workflows/Lead.workflow": workflow.replace(
                "<active>false</active>", "<active>true</active>"
            ),
            "duplicateRules/Lead.Lead_Duplicate_Email.duplicateRule": duplicate.replace(
                "<isActive>false</isActive>", "<isActive>true</isActive>"
            ),
        },
    )
    assert (
        "<active>true</active>" in _retrieve(org, {"Workflow": ["Lead"]})["workflows/Lead.workflow"]
    )
    new = org.create("Lead", {"LastName": "C", "Company": "X", "Email": "c@x.example"}, admin)
    assert org.get("Lead", new, ["LeadSource"], admin)["LeadSource"] == "Web"
    with pytest.raises(SalesforceError) as err:
        org.create("Lead", {"LastName": "D", "Company": "X", "Email": "C@X.example"}, admin)
    assert err.value.error_code == "DUPLICATES_DETECTED"
    with pytest.raises(SalesforceError):  # an edit to a taken Email is blocked too
        org.update("Lead", first, {"Email": "c@x.example"}, admin)
    org.update("Lead", new, {"LastName": "C2"}, admin)  # its own Email is no duplicate
