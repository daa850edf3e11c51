"""Metadata API deploy options through simple-salesforce's mdapi against the simulator:
checkOnly changes nothing and says what it would do, rollbackOnError undoes everything on a
failure, folder entries are not components, destructiveChanges*.xml delete, created:true."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.fixtures.sfsim import API_VERSION, sf_client

MD = "{http://soap.sforce.com/2006/04/metadata}"
PACKAGE = (
    '<?xml version="1.0" encoding="UTF-8"?><Package xmlns="http://soap.sforce.com/2006/04/'
    'metadata">{types}<version>' + API_VERSION + "</version></Package>"
)
CLASS_META = (
    '<?xml version="1.0" encoding="UTF-8"?><ApexClass xmlns="http://soap.sforce.com/2006/04/'
    f'metadata"><apiVersion>{API_VERSION}</apiVersion><status>Active</status></ApexClass>'
)


@pytest.fixture
def sf(sfsim, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sfsim.ca_path)
    return sf_client(sfsim)


def _types(members: dict[str, list[str]]) -> str:
    return "".join(
        "<types>" + "".join(f"<members>{m}</members>" for m in names) + f"<name>{t}</name></types>"
        for t, names in members.items()
    )


def _zip(files: dict[str, str], *, folders: tuple[str, ...] = ()) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for folder in folders:
            archive.writestr(zipfile.ZipInfo(folder), "")  # a directory entry, "x/"
        for name, text in files.items():
            archive.writestr(name, text)
    buffer.seek(0)
    return buffer


def _classes(names: list[str], prefix: str = "") -> dict[str, str]:
    files = {f"{prefix}package.xml": PACKAGE.format(types=_types({"ApexClass": names}))}
    for name in names:
        files[f"{prefix}classes/{name}.cls"] = f"public class {name} {{}}"
        files[f"{prefix}classes/{name}.cls-meta.xml"] = CLASS_META
    return files


def _class_names(sf) -> set[str]:
    listed = sf.mdapi.list_metadata([sf.mdapi.ListMetadataQuery(type="ApexClass")])
    return {item.fullName for item in listed}


def _deploy(sf, buffer, **options):
    async_id, state = sf.mdapi.deploy(buffer, sandbox=True, **options)
    assert state == "Queued"
    result = sf.mdapi._retrieve_deploy_result(async_id)
    details = result.find(f"{MD}details")
    successes = [
        {child.tag.replace(MD, ""): child.text for child in item}
        for item in details.findall(f"{MD}componentSuccesses")
    ]
    failures = [
        {child.tag.replace(MD, ""): child.text for child in item}
        for item in details.findall(f"{MD}componentFailures")
    ]
    return result, successes, failures


def test_check_only_deploy_changes_nothing_and_reports_what_it_would_do(sf):
    before = _class_names(sf)
    result, successes, failures = _deploy(sf, _zip(_classes(["DryRunOnly"])), checkOnly=True)
    assert result.findtext(f"{MD}status") == "Succeeded"
    assert result.findtext(f"{MD}checkOnly") == "true"
    assert result.findtext(f"{MD}numberComponentsDeployed") == "1"
    assert failures == []
    assert [(s["fullName"], s["componentType"], s["created"]) for s in successes] == [
        ("DryRunOnly", "ApexClass", "true")
    ]
    assert _class_names(sf) == before  # nothing saved
    status, _detail, deployment, _tests = sf.mdapi.check_deploy_status(
        sf.mdapi.deploy(_zip(_classes(["DryRunOnly"])), sandbox=True, checkOnly=True)[0]
    )
    assert status == "Succeeded" and deployment["errors"] == []
    assert "DryRunOnly" not in _class_names(sf)


def test_new_components_are_reported_created_and_existing_ones_changed(sf):
    _deploy(sf, _zip(_classes(["CreatedOnce"])))
    result, successes, _ = _deploy(sf, _zip(_classes(["CreatedOnce", "CreatedTwice"])))
    assert result.findtext(f"{MD}success") == "true"
    flags = {s["fullName"]: (s["created"], s["changed"]) for s in successes}
    assert flags == {"CreatedOnce": ("false", "true"), "CreatedTwice": ("true", "false")}


def test_folder_entries_in_the_zip_are_not_components(sf):
    files = _classes(["InFolders"], prefix="unpackaged/")
    buffer = _zip(files, folders=("unpackaged/", "unpackaged/classes/"))
    result, successes, failures = _deploy(sf, buffer, rollbackOnError=True)
    assert failures == []
    assert result.findtext(f"{MD}status") == "Succeeded"
    assert [s["fullName"] for s in successes] == ["InFolders"]
    assert "InFolders" in _class_names(sf)


def test_rollback_on_error_leaves_nothing_half_applied(sf):
    files = _classes(["RolledBackGood"])
    files["nonsense/thing.txt"] = "?"
    result, successes, failures = _deploy(sf, _zip(files), rollbackOnError=True)
    assert result.findtext(f"{MD}status") == "Failed"
    assert result.findtext(f"{MD}success") == "false"
    assert result.findtext(f"{MD}rollbackOnError") == "true"
    assert [f["fileName"] for f in failures] == ["nonsense/thing.txt"]
    assert failures[0]["problem"] == "Unknown type name for directory nonsense"
    assert "RolledBackGood" not in _class_names(sf)


def test_without_rollback_on_error_the_good_components_stay(sf):
    files = _classes(["PartialGood"])
    files["nonsense/thing.txt"] = "?"
    result, _, failures = _deploy(sf, _zip(files), rollbackOnError=False)
    assert result.findtext(f"{MD}status") == "SucceededPartial"
    assert len(failures) == 1
    assert "PartialGood" in _class_names(sf)


def test_destructive_changes_delete_components(sf):
    _deploy(sf, _zip(_classes(["DoomedPost", "DoomedPre", "Survivor"])))
    files = {
        "package.xml": PACKAGE.format(types=""),
        "destructiveChanges.xml": PACKAGE.format(types=_types({"ApexClass": ["DoomedPost"]})),
        "destructiveChangesPre.xml": PACKAGE.format(types=_types({"ApexClass": ["DoomedPre"]})),
    }
    result, successes, failures = _deploy(sf, _zip(files), rollbackOnError=True)
    assert failures == [] and result.findtext(f"{MD}status") == "Succeeded"
    assert {(s["fullName"], s["deleted"]) for s in successes} == {
        ("DoomedPost", "true"),
        ("DoomedPre", "true"),
    }
    names = _class_names(sf)
    assert "Survivor" in names and not {"DoomedPost", "DoomedPre"} & names


def test_destructive_post_runs_after_the_components_of_the_same_deploy(sf):
    files = _classes(["Phoenix"])
    files["destructiveChangesPost.xml"] = PACKAGE.format(types=_types({"ApexClass": ["Phoenix"]}))
    result, successes, _ = _deploy(sf, _zip(files))
    assert result.findtext(f"{MD}success") == "true"
    assert [(s["fullName"], s["created"], s["deleted"]) for s in successes] == [
        ("Phoenix", "true", "false"),
        ("Phoenix", "false", "true"),
    ]
    assert "Phoenix" not in _class_names(sf)


def test_deleting_a_missing_component_is_a_warning_that_fails_unless_ignored(sf):
    files = {
        "package.xml": PACKAGE.format(types=""),
        "destructiveChanges.xml": PACKAGE.format(types=_types({"ApexClass": ["NeverWas"]})),
    }
    result, _, failures = _deploy(sf, _zip(files))
    assert result.findtext(f"{MD}status") == "Failed"
    assert failures[0]["problemType"] == "Warning"
    assert failures[0]["problem"] == "No ApexClass named: NeverWas found"
    result, _, _ = _deploy(sf, _zip(files), ignoreWarnings=True)
    assert result.findtext(f"{MD}status") == "Succeeded"


def test_check_only_destructive_change_keeps_the_component(sf):
    _deploy(sf, _zip(_classes(["KeptByDryRun"])))
    files = {
        "package.xml": PACKAGE.format(types=""),
        "destructiveChanges.xml": PACKAGE.format(types=_types({"ApexClass": ["KeptByDryRun"]})),
    }
    result, successes, _ = _deploy(sf, _zip(files), checkOnly=True)
    assert result.findtext(f"{MD}success") == "true"
    assert successes[0]["deleted"] == "true"
    assert "KeptByDryRun" in _class_names(sf)


def test_destructive_change_deletes_a_custom_field(sf, sfsim):
    obj = (
        '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><fields>'
        "<fullName>Doomed_Note__c</fullName><label>Doomed Note</label><type>Text</type>"
        "<length>40</length></fields></CustomObject>"
    )
    add = {
        "package.xml": PACKAGE.format(types=_types({"CustomField": ["Account.Doomed_Note__c"]})),
        "objects/Account.object": obj,
    }
    result, successes, _ = _deploy(sf, _zip(add))
    assert result.findtext(f"{MD}success") == "true"
    assert "Doomed_Note__c" in {f["name"] for f in sf.Account.describe()["fields"]}
    remove = {
        "package.xml": PACKAGE.format(types=""),
        "destructiveChanges.xml": PACKAGE.format(
            types=_types({"CustomField": ["Account.Doomed_Note__c"]})
        ),
    }
    result, successes, _ = _deploy(sf, _zip(remove))
    assert result.findtext(f"{MD}success") == "true"
    assert successes[0]["fileName"] == "objects/Account.object"
    fresh = sf_client(sfsim)
    assert "Doomed_Note__c" not in {f["name"] for f in fresh.Account.describe()["fields"]}


def _read_metadata(sfsim, sf, mtype: str, names: list[str]):
    import xml.etree.ElementTree as ET

    members = "".join(f"<met:fullNames>{n}</met:fullNames>" for n in names)
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:met="http://soap.sforce.com/2006/04/metadata"><soapenv:Header>'
        f"<met:SessionHeader><met:sessionId>{sf.session_id}</met:sessionId></met:SessionHeader>"
        f"</soapenv:Header><soapenv:Body><met:readMetadata><met:type>{mtype}</met:type>"
        f"{members}</met:readMetadata></soapenv:Body></soapenv:Envelope>"
    )
    answer = sfsim.session().post(
        f"{sfsim.base_url}/services/Soap/m/{API_VERSION}",
        data=body,
        headers={"Content-Type": "text/xml", "SOAPAction": "readMetadata"},
    )
    assert answer.status_code == 200, answer.text
    root = ET.fromstring(answer.content)  # noqa: S314 (the simulator's own answer)
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    records = []
    for record in root.iter(f"{MD}records"):
        assert record.get(xsi) == mtype
        records.append({child.tag.replace(MD, ""): child.text for child in record})
    return records


def test_read_metadata_answers_like_retrieve(sf, sfsim):
    import base64

    _deploy(sf, _zip(_classes(["ReadMe"])))
    records = _read_metadata(sfsim, sf, "ApexClass", ["ReadMe", "NotThere"])
    assert records[0]["fullName"] == "ReadMe"
    assert records[0]["status"] == "Active" and records[0]["apiVersion"] == API_VERSION
    assert base64.b64decode(records[0]["content"]) == b"public class ReadMe {}"
    assert records[1] == {}  # Salesforce answers an empty record for a missing name
    [layout] = _read_metadata(sfsim, sf, "Layout", ["Account-Account Layout"])
    assert layout["fullName"] == "Account-Account Layout" and "layoutSections" in layout
    [account] = _read_metadata(sfsim, sf, "CustomObject", ["Account"])
    assert account["fullName"] == "Account" and account["label"] == "Account"
