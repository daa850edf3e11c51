"""The Metadata API client (raw SOAP over the connector's session) against the simulator:
describe, listMetadata in batches of 3, chunked retrieve with a streamed zip, deploy,
token renewal, transient faults retried, and the XML helpers."""

import io
import zipfile

import pytest

from salesforce import auth
from salesforce.client import connect
from salesforce.errors import SalesforceApiError
from salesforce.metadata import (
    FileProperties,
    ListQuery,
    MetadataClient,
    MetadataType,
    child_elements,
    parse_xml,
    plan_chunks,
)
from salesforce.reads import RetryPolicy
from tests.fixtures.sfsim import sf_client


def make_client(sfsim, on_refresh=None):
    creds = sfsim.credentials[0]
    tokens = auth.password_grant(
        creds["login_url"],
        creds["client_id"],
        creds["client_secret"],
        creds["username"],
        creds["password"],
        sfsim.ca_path,
    )
    return connect(tokens.instance_url, tokens.access_token, sfsim.ca_path, on_refresh)


@pytest.fixture
def md(sfsim):
    client = make_client(sfsim)
    yield MetadataClient(client, retry=RetryPolicy(base_seconds=0.01), poll_seconds=0.01)
    client.close()


def deploy_class(md: MetadataClient, name: str, body: str):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "package.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Package xmlns="http://soap.sforce.com/2006/04/metadata">'
            f"<types><members>{name}</members><name>ApexClass</name></types>"
            "<version>59.0</version></Package>",
        )
        archive.writestr(f"classes/{name}.cls", body)
        archive.writestr(
            f"classes/{name}.cls-meta.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">'
            "<apiVersion>59.0</apiVersion><status>Active</status></ApexClass>",
        )
    return md.deploy(buffer.getvalue())


def test_describe_lists_types_with_children_and_folders(md):
    types = {t.xml_name: t for t in md.describe()}
    assert types["ApexClass"].meta_file and types["ApexClass"].suffix == "cls"
    assert "CustomField" in types["CustomObject"].child_xml_names
    assert types["Report"].in_folder and not types["Layout"].in_folder
    assert md.calls == 1


def test_list_components_equals_list_metadata_of_every_type(md, sfsim, monkeypatch):
    types = md.describe()
    skipped = []
    components = md.list_components(types, on_skip=lambda q, e: skipped.append(q))
    assert not skipped
    keys = {p.key for p in components}
    # The same, asked through simple-salesforce's own Metadata API helper (zeep).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sfsim.ca_path)
    sf = sf_client(sfsim)
    expected = set()
    for mtype in types:
        for name in (mtype.xml_name, *mtype.child_xml_names):
            if mtype.in_folder:
                continue
            for item in sf.mdapi.list_metadata([sf.mdapi.ListMetadataQuery(type=name)]) or []:
                expected.add((item.type, item.fullName))
    for folder_type, content in (("ReportFolder", "Report"), ("EmailFolder", "EmailTemplate")):
        folders = sf.mdapi.list_metadata([sf.mdapi.ListMetadataQuery(type=folder_type)]) or []
        for folder in folders:
            expected.add((folder_type, folder.fullName))
            query = sf.mdapi.ListMetadataQuery(type=content, folder=folder.fullName)
            for item in sf.mdapi.list_metadata([query]) or []:
                expected.add((item.type, item.fullName))
    assert keys == expected
    assert ("ApexClass", "AccountService") in keys
    assert ("Report", "SalesReports/Pipeline_By_Stage") in keys
    assert ("ReportFolder", "SalesReports") in keys
    assert any(t == "CustomField" for t, _ in keys)


def test_list_metadata_takes_three_queries_per_call(md):
    before = md.calls
    md.list_many([ListQuery(n) for n in ("ApexClass", "Layout", "Profile", "Flow")], print)
    assert md.calls - before == 2
    with pytest.raises(ValueError, match="at most 3"):
        md.list_metadata([ListQuery("A"), ListQuery("B"), ListQuery("C"), ListQuery("D")])


def test_retrieve_in_chunks_gives_every_component_its_files(md):
    types = md.describe()
    components = md.list_components(types, on_skip=print)
    wanted = [p for p in components if p.type in ("ApexClass", "ReportFolder", "Report")]
    wanted += [p for p in components if p.type in ("CustomField", "CustomObject")][:6]
    chunks = list(plan_chunks(wanted, types, max_files=5))
    assert len(chunks) > 2
    assert all(sum(2 if p.type == "ApexClass" else 1 for p in chunk) + 1 <= 5 for chunk in chunks)
    seen = {}
    for chunk in chunks:
        with md.retrieve(chunk) as result:
            for props in chunk:
                seen[props.key] = result.component_files(props)
    service = seen[("ApexClass", "AccountService")]
    assert set(service) == {"classes/AccountService.cls", "classes/AccountService.cls-meta.xml"}
    assert b"hotAccounts" in service["classes/AccountService.cls"]
    assert set(seen[("ReportFolder", "SalesReports")]) == {"reports/SalesReports-meta.xml"}
    assert b"Pipeline by Stage" in next(
        iter(seen[("Report", "SalesReports/Pipeline_By_Stage")].values())
    )
    fields = [k for k in seen if k[0] == "CustomField"]
    for key in fields:
        (content,) = seen[key].values()
        assert content.startswith(b"<fields>") and key[1].split(".", 1)[1].encode() in content
    assert all(seen.values())


def test_deploy_changes_a_class_that_the_next_retrieve_returns(md):
    result = deploy_class(md, "MdClientProbe", "public class MdClientProbe { Integer v = 1; }")
    assert result.success, result.problems
    listed = md.list_metadata([ListQuery("ApexClass")])
    probe = next(p for p in listed if p.full_name == "MdClientProbe")
    assert probe.properties["lastModifiedByName"] and probe.properties["id"].startswith("01p")
    deploy_class(md, "MdClientProbe", "public class MdClientProbe { Integer v = 2; }")
    with md.retrieve([probe]) as retrieved:
        files = retrieved.component_files(probe)
    assert b"Integer v = 2;" in files["classes/MdClientProbe.cls"]


def test_an_expired_session_is_renewed_once(sfsim):
    renewals = []

    def renew():
        renewals.append(1)
        return sfsim.token()["access_token"]

    client = make_client(sfsim, on_refresh=renew)
    client.session.access_token = "00Dexpired!token"
    md = MetadataClient(client, poll_seconds=0.01)
    assert md.describe()
    assert renewals == [1] and md.calls == 2


def test_transient_faults_are_retried(md, sfsim_faults):
    sfsim_faults.set_faults({"route": "/services/Soap/m/*", "kind": "http503", "on_call": 1})
    messages = []
    md.retry.on_retry = messages.append
    assert md.describe()
    assert messages and "retrying" in messages[0]


def test_a_fault_is_a_readable_error(md):
    with pytest.raises(SalesforceApiError, match="INVALID_ID_FIELD"):
        md._wait_for_retrieve("09S000000000000AAA")


def test_streamed_base64_and_child_elements():
    sink = io.BytesIO()
    xml = b"<a><zipFile>aGVs\nbG8g\nd29y bGQ=</zipFile><b>x</b></a>"
    root = parse_xml([xml[:9], xml[9:20], xml[20:]], stream_element="zipFile", sink=sink)
    assert sink.getvalue() == b"hello world" and root.find("b").text == "x"
    with pytest.raises(SalesforceApiError, match="unreadable"):
        parse_xml([b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'])
    parent = (
        b'<CustomObject xmlns="urn:x">\n<label>A</label>\n'
        b"<fields><fullName>F__c</fullName><type>Text</type></fields>\n"
        b"<fields><fullName>G__c</fullName></fields><validationRules/>\n</CustomObject>"
    )
    found = child_elements(parent)
    assert (
        "fields",
        "F__c",
        b"<fields><fullName>F__c</fullName><type>Text</type></fields>",
    ) in found
    assert ("validationRules", "", b"<validationRules/>") in found


def test_plan_chunks_counts_meta_files():
    types = [MetadataType("ApexClass", meta_file=True), MetadataType("Layout")]
    components = [FileProperties("ApexClass", f"C{i}", f"classes/C{i}.cls", {}) for i in range(5)]
    components += [FileProperties("Layout", f"L{i}", f"layouts/L{i}.layout", {}) for i in range(3)]
    chunks = list(plan_chunks(components, types, max_files=6))
    assert [len(c) for c in chunks] == [2, 2, 4]


def test_the_api_quota_stops_before_a_call(sfsim):
    from salesforce.client import ApiUsage
    from salesforce.quota import ApiQuota, ApiQuotaReached

    client = make_client(sfsim)
    client.session.api_usage = ApiUsage(used=900, total=1000)
    md = MetadataClient(client, quota=ApiQuota(rest_percent=80, bulk_percent=80))
    with pytest.raises(ApiQuotaReached, match="reached 80% of the org's daily limit"):
        md.describe()
    assert md.calls == 0
    md.quota = ApiQuota(rest_percent=100, bulk_percent=80)
    assert md.describe()


def test_bundles_take_their_folder_and_classes_their_meta_file():
    from salesforce.metadata import Node, RetrieveResult

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in (
            "package.xml",
            "lwc/card/card.js",
            "lwc/card/card.html",
            "lwc/card/card.js-meta.xml",
            "lwc/cardList/cardList.js",
            "classes/A.cls",
            "classes/A.cls-meta.xml",
            "classes/AB.cls",
        ):
            archive.writestr(f"unpackaged/{name}", name)
    buffer.seek(0)
    with RetrieveResult(Node("result"), buffer) as result:
        bundle = FileProperties("LightningComponentBundle", "card", "unpackaged/lwc/card", {})
        assert set(result.component_files(bundle)) == {
            "lwc/card/card.js",
            "lwc/card/card.html",
            "lwc/card/card.js-meta.xml",
        }
        apex = FileProperties("ApexClass", "A", "classes/A.cls", {})
        assert set(result.component_files(apex)) == {"classes/A.cls", "classes/A.cls-meta.xml"}
        assert result.read("classes/AB.cls") == b"classes/AB.cls"


def test_retrieve_status_is_polled_until_done(md, monkeypatch):
    from salesforce.metadata import Node

    answers = iter(["false", "false", "true"])
    real = md._check_retrieve
    slept = []

    def check(async_id, *, include_zip, sink=None):
        if include_zip:
            return real(async_id, include_zip=True, sink=sink)
        node = Node("result")
        done = Node("done")
        done.parts.append(next(answers))
        node.children.append(done)
        return node

    monkeypatch.setattr(md, "_check_retrieve", check)
    md.sleep = slept.append
    types = md.describe()
    service = next(
        p for p in md.list_components(types, on_skip=print) if p.full_name == "AccountService"
    )
    with md.retrieve([service]) as result:
        assert b"hotAccounts" in result.component_files(service)["classes/AccountService.cls"]
    assert slept == [0.01, 0.02]
