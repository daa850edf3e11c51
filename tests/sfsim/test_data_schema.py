# ruff: noqa: S608  (SOQL text built in tests)
import json

from sfsim.loaders import load
from sfsim.schema import DATA

from .data_helpers import DATA as TEST_DATA
from .data_helpers import make_world, records

REQUIRED = [
    "User",
    "Account",
    "Contact",
    "Opportunity",
    "OpportunityLineItem",
    "Product2",
    "Pricebook2",
    "PricebookEntry",
    "Case",
    "CaseComment",
    "Lead",
    "Campaign",
    "CampaignMember",
    "Task",
    "Event",
    "Contract",
    "Order",
    "OrderItem",
    "Asset",
    "Attachment",
    "Note",
    "Document",
    "ContentVersion",
    "ContentDocument",
    "ContentDocumentLink",
    "AccountHistory",
    "AccountShare",
    "AccountFeed",
    "Profile",
    "PermissionSet",
    "PermissionSetAssignment",
    "Customer_Interaction__b",
    "Support_Tier__mdt",
    "Project__c",
    "Project_Task__c",
]


def _children(describe):
    return {
        (c["childSObject"], c["field"]): (c["cascadeDelete"], c["restrictedDelete"])
        for c in describe["childRelationships"]
    }


def test_default_schema_covers_the_objects_with_real_key_prefixes(tmp_path):
    org = make_world(tmp_path).org
    entries = {e["name"]: e for e in org.describe_global()["sobjects"]}
    for name in REQUIRED:
        assert name in entries, name
        for key in ("keyPrefix", "queryable", "replicateable", "retrieveable", "custom"):
            assert key in entries[name]
    prefixes = {n: entries[n]["keyPrefix"] for n in REQUIRED}
    assert prefixes["Account"] == "001" and prefixes["Contact"] == "003"
    assert prefixes["Case"] == "500" and prefixes["Task"] == "00T"
    assert prefixes["ContentVersion"] == "068" and prefixes["Attachment"] == "00P"
    assert len(set(prefixes.values())) == len(prefixes)
    real_keys = set(json.loads((DATA / "Account.json").read_text()))
    assert set(org.describe("Lead")) == real_keys
    field_keys = set(json.loads((DATA / "Account.json").read_text())["fields"][0])
    assert all(set(f) == field_keys for f in org.describe("Task")["fields"])


def test_account_describe_is_the_real_one_with_parent_self_lookup(tmp_path):
    org = make_world(tmp_path).org
    real = json.loads((DATA / "Account.json").read_text())
    served = org.describe("Account")
    assert [(f["name"], f["type"]) for f in served["fields"]] == [
        (f["name"], f["type"]) for f in real["fields"]
    ]
    served_children = _children(served)
    real_children = _children(real)
    assert {k: served_children[k] for k in real_children} == real_children
    extra = {child for child, _field in set(served_children) - set(real_children)}
    assert extra == {"Project__c", "Customer_Interaction__b"}
    parent = next(f for f in served["fields"] if f["name"] == "ParentId")
    assert parent["referenceTo"] == ["Account"]


def test_master_detail_custom_objects_cascade(tmp_path):
    org = make_world(tmp_path).org
    rel = _children(org.describe("Project__c"))
    assert rel[("Project_Task__c", "Project__c")] == (True, False)
    assert _children(org.describe("Account"))[("Case", "AccountId")] == (False, True)


def test_loading_describe_sfdx_and_tree_sources(tmp_path):
    world = make_world(tmp_path)
    org = world.org
    describe_files = [DATA / "Account.json", DATA / "Contact.json", DATA / "Opportunity.json"]
    counts = load(
        world.sim,
        org,
        describe_files=describe_files,
        sfdx_dir=TEST_DATA / "ebikes" / "objects",
        tree_plan=TEST_DATA / "ebikes" / "tree" / "sample-data-plan.json",
    )
    assert counts["Account"] == 3 and counts["Product_Family__c"] == 4
    assert counts["Product__c"] == 16
    for path in describe_files:
        real = json.loads(path.read_text())
        served = org.describe(real["name"])
        assert [(f["name"], f["type"]) for f in served["fields"]] == [
            (f["name"], f["type"]) for f in real["fields"]
        ]
        served_children = _children(served)
        for key, flags in _children(real).items():
            assert served_children[key] == flags
    # SFDX: new objects, fields on an existing one, lookup and master-detail constraints
    product = org.describe("Product__c")
    assert product["custom"] and product["keyPrefix"].startswith("a")
    family = next(f for f in product["fields"] if f["name"] == "Product_Family__c")
    assert family["referenceTo"] == ["Product_Family__c"]
    assert family["relationshipName"] == "Product_Family__r"
    family_children = _children(org.describe("Product_Family__c"))
    assert family_children[("Product__c", "Product_Family__c")] == (False, False)
    rel = org.describe("Product_Family__c")["childRelationships"]
    assert {c["relationshipName"] for c in rel} == {"Products__r"}
    assert any(f["name"] == "Product__c" for f in org.describe("Case")["fields"])
    order_children = _children(org.describe("Order__c"))
    assert order_children[("Order_Item__c", "Order__c")] == (True, False)
    # tree plan: every product points at its family's new Id
    families = {
        r["Name"]: r["Id"]
        for r in records(org, "SELECT Id, Name FROM Product_Family__c", world.admin)
    }
    plan = json.loads((TEST_DATA / "ebikes" / "tree" / "Product__cs.json").read_text())
    family_refs = json.loads(
        (TEST_DATA / "ebikes" / "tree" / "Product_Family__cs.json").read_text()
    )
    ref_to_name = {r["attributes"]["referenceId"]: r["Name"] for r in family_refs["records"]}
    expected = {
        r["Name"]: families[ref_to_name[r["Product_Family__c"][1:]]] for r in plan["records"]
    }
    products = records(
        org, "SELECT Name, Product_Family__c, Product_Family__r.Name FROM Product__c", world.admin
    )
    assert len(products) == 16
    for product in products:
        assert product["Product_Family__c"] == expected[product["Name"]]
        assert families[product["Product_Family__r"]["Name"]] == product["Product_Family__c"]
