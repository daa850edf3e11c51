"""Schema: describe JSON per object, the built-in default schema, and per-object helpers.

Real describes (Account, Contact, Opportunity) are read from sfsim/schema_data/; the other
default objects are defined compactly below and rendered into describe JSON with the same
keys as the real ones.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "schema_data"
API_VERSION = "59.0"

SYSTEM_AUDIT_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById")
AUDIT_FIELDS = frozenset(SYSTEM_AUDIT_FIELDS)
SERVER_FIELDS = frozenset(("Id", "IsDeleted", "SystemModstamp", *SYSTEM_AUDIT_FIELDS))

SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "picklist": "xsd:string",
    "multipicklist": "xsd:string",
    "combobox": "xsd:string",
    "email": "xsd:string",
    "phone": "xsd:string",
    "url": "xsd:string",
    "encryptedstring": "xsd:string",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "base64": "xsd:base64Binary",
    "address": "urn:address",
    "location": "urn:location",
    "anyType": "xsd:anyType",
}
NUMERIC = frozenset(("int", "double", "currency", "percent"))
TEXT_LIKE = frozenset(
    ("string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url")
)
COMPOUND = frozenset(("address", "location"))


@cache
def real_describe(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


@cache
def _field_template() -> dict:
    return {k: v for k, v in real_describe("Account")["fields"][0].items()}


@cache
def _object_template() -> dict:
    return {k: v for k, v in real_describe("Account").items() if k != "fields"}


def field_describe(
    name: str,
    ftype: str,
    *,
    label: str | None = None,
    length: int = 0,
    required: bool = False,
    createable: bool = True,
    updateable: bool = True,
    refs: list[str] | None = None,
    rel: str | None = None,
    picklist: list[str] | None = None,
    restricted: bool = False,
    unique: bool = False,
    external_id: bool = False,
    custom: bool | None = None,
    precision: int = 18,
    scale: int = 2,
    cascade: bool = False,
    restrict: bool = False,
    default_on_create: bool = False,
    default_value=None,
    name_field: bool = False,
    calculated: bool = False,
) -> dict:
    """One field's describe dict, with every key the real describe has."""
    f = copy.deepcopy(_field_template())
    if ftype in ("string", "textarea", "email", "phone", "url", "picklist", "multipicklist"):
        length = length or {"textarea": 32000, "picklist": 255, "multipicklist": 4099}.get(
            ftype, 255
        )
    if ftype in ("id", "reference"):
        length = 18
    if ftype == "base64":
        length = 0
    f.update(
        name=name,
        label=label or _label(name),
        type=ftype,
        soapType=SOAP_TYPES[ftype],
        length=length,
        byteLength=length * 3,
        nillable=not required and ftype not in ("boolean", "id"),
        createable=createable,
        updateable=updateable,
        custom=name.endswith("__c") if custom is None else custom,
        referenceTo=list(refs or []),
        relationshipName=rel,
        picklistValues=[
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
            for v in picklist or []
        ],
        restrictedPicklist=restricted,
        unique=unique,
        externalId=external_id,
        idLookup=ftype == "id" or external_id or unique,
        precision=precision if ftype in ("double", "currency", "percent") else 0,
        scale=scale if ftype in ("double", "currency", "percent") else 0,
        digits=9 if ftype == "int" else 0,
        cascadeDelete=cascade,
        restrictedDelete=restrict,
        defaultedOnCreate=default_on_create or ftype in ("boolean", "id"),
        defaultValue=default_value
        if default_value is not None
        else (False if ftype == "boolean" else None),
        nameField=name_field,
        calculated=calculated,
        filterable=ftype not in ("textarea", "base64"),
        sortable=ftype not in ("textarea", "base64", "multipicklist"),
        groupable=ftype not in ("textarea", "base64", "double", "currency", "percent", "datetime"),
        aggregatable=ftype not in ("textarea", "base64"),
        polymorphicForeignKey=len(refs or []) > 1,
        permissionable=not required and createable and ftype not in ("id",),
    )
    return f


def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id") or name
    return base.replace("_", " ")


# ---------------------------------------------------------------- compact definitions
# (name, type, options) -- options: len, req, ro (not createable/updateable), noupd,
# refs, rel, child (child relationship name), delete (cascade|restrict|setnull),
# pick (values), rpick (restricted), unique, ext, default.


def F(name, ftype, **opts):
    return (name, ftype, opts)


_ADDR = ("Street", "City", "State", "PostalCode", "Country")


def _address(prefix):
    return [
        F(prefix + p, "textarea" if p == "Street" else "string", len=255 if p == "Street" else 40)
        for p in _ADDR
    ]


NAME = F("Name", "string", len=80, req=True, name_field=True)
STAGES = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
]
PERMISSION_FLAGS = ("ApiEnabled", "ViewAllData", "ModifyAllData", "QueryAllFiles", "SetAuditFields")

# What Attachments and Notes can hang off.
ATTACHMENT_PARENTS = [
    "Account",
    "Contact",
    "Opportunity",
    "Case",
    "Lead",
    "Contract",
    "Order",
    "Asset",
    "Project__c",
]

# What a Task or Event can be about (WhatId).
ACTIVITY_WHAT = [
    "Account",
    "Opportunity",
    "Case",
    "Campaign",
    "Contract",
    "Order",
    "Asset",
    "Project__c",
]

# object name -> dict(prefix, owner, label, plural, flags..., fields)
COMPACT: dict[str, dict] = {
    # One record per org, its Id the org Id; read-only through the API.
    "Organization": dict(
        prefix="00D",
        owner=False,
        createable=False,
        deletable=False,
        fields=[
            F("Name", "string", len=80, req=True, name_field=True),
            F(
                "OrganizationType",
                "picklist",
                pick=[
                    "Developer Edition",
                    "Enterprise Edition",
                    "Unlimited Edition",
                    "Professional Edition",
                ],
                ro=True,
            ),
            F("IsSandbox", "boolean", ro=True),
            F("InstanceName", "string", len=5, ro=True),
            F("Division", "string", len=80),
            F("Country", "string", len=80),
            F("DefaultLocaleSidKey", "picklist", pick=["en_US", "en_GB"], ro=True),
            F("TimeZoneSidKey", "picklist", pick=["GMT", "America/Los_Angeles"], ro=True),
            F("LanguageLocaleKey", "picklist", pick=["en_US"], ro=True),
            # The Salesforce CLI reads both before a deploy (null: not a trial, no namespace).
            F("TrialExpirationDate", "datetime", ro=True),
            F("NamespacePrefix", "string", len=15, ro=True),
        ],
    ),
    "User": dict(
        prefix="005",
        owner=False,
        fields=[
            F("Username", "string", len=80, req=True, unique=True),
            F("LastName", "string", len=80, req=True),
            F("FirstName", "string", len=40),
            F("Name", "string", len=121, ro=True, name_field=True),
            F("Email", "email", len=128, req=True),
            F("Alias", "string", len=8, req=True),
            F("IsActive", "boolean", default=True),
            F("ProfileId", "reference", refs=["Profile"], rel="Profile", req=True),
            F(
                "TimeZoneSidKey",
                "picklist",
                pick=["America/Los_Angeles", "Europe/London", "GMT"],
                req=True,
            ),
            F("LocaleSidKey", "picklist", pick=["en_US", "en_GB"], req=True),
            F("LanguageLocaleKey", "picklist", pick=["en_US"], req=True),
            F("EmailEncodingKey", "picklist", pick=["UTF-8", "ISO-8859-1"], req=True),
            F("Title", "string", len=80),
            F("Department", "string", len=80),
        ],
    ),
    "Profile": dict(
        prefix="00e",
        owner=False,
        fields=[
            F("Name", "string", len=255, req=True, name_field=True),
            F("UserType", "picklist", pick=["Standard"]),
            F("Description", "string", len=255),
            *[F("Permissions" + p, "boolean") for p in PERMISSION_FLAGS],
        ],
    ),
    "PermissionSet": dict(
        prefix="0PS",
        owner=False,
        fields=[
            F("Name", "string", len=80, req=True),
            F("Label", "string", len=80, req=True, name_field=True),
            F("IsOwnedByProfile", "boolean", ro=True),
            F("ProfileId", "reference", refs=["Profile"], rel="Profile", ro=True),
            F("Description", "string", len=255),
            *[F("Permissions" + p, "boolean") for p in PERMISSION_FLAGS],
        ],
    ),
    "PermissionSetAssignment": dict(
        prefix="0Pa",
        owner=False,
        fields=[
            F(
                "AssigneeId",
                "reference",
                refs=["User"],
                rel="Assignee",
                req=True,
                noupd=True,
                child="PermissionSetAssignments",
                delete="cascade",
            ),
            F(
                "PermissionSetId",
                "reference",
                refs=["PermissionSet"],
                rel="PermissionSet",
                req=True,
                noupd=True,
                child="Assignments",
                delete="cascade",
            ),
        ],
    ),
    "Product2": dict(
        prefix="01t",
        owner=False,
        fields=[
            NAME,
            F("ProductCode", "string", len=255),
            F("Description", "textarea", len=4000),
            F("IsActive", "boolean"),
            F("Family", "picklist", pick=["Hardware", "Software", "Services"]),
            F("ExternalId", "string", len=255, ext=True),
        ],
    ),
    "Pricebook2": dict(
        prefix="01s",
        owner=False,
        fields=[
            NAME,
            F("IsActive", "boolean"),
            F("IsStandard", "boolean", ro=True),
            F("Description", "string", len=255),
        ],
    ),
    "PricebookEntry": dict(
        prefix="01u",
        owner=False,
        fields=[
            F("Name", "string", len=255, ro=True, name_field=True),
            F(
                "Pricebook2Id",
                "reference",
                refs=["Pricebook2"],
                rel="Pricebook2",
                req=True,
                noupd=True,
                child="PricebookEntries",
                delete="cascade",
            ),
            F(
                "Product2Id",
                "reference",
                refs=["Product2"],
                rel="Product2",
                req=True,
                noupd=True,
                child="PricebookEntries",
                delete="cascade",
            ),
            F("UnitPrice", "currency", req=True),
            F("IsActive", "boolean"),
            F("UseStandardPrice", "boolean"),
        ],
    ),
    "OpportunityLineItem": dict(
        prefix="00k",
        owner=False,
        fields=[
            F(
                "OpportunityId",
                "reference",
                refs=["Opportunity"],
                rel="Opportunity",
                req=True,
                noupd=True,
                child="OpportunityLineItems",
                delete="cascade",
            ),
            F(
                "PricebookEntryId",
                "reference",
                refs=["PricebookEntry"],
                rel="PricebookEntry",
                noupd=True,
                child="OpportunityLineItems",
                delete="restrict",
            ),
            F("Product2Id", "reference", refs=["Product2"], rel="Product2", noupd=True),
            F("Name", "string", len=376, ro=True, name_field=True),
            F("Quantity", "double", req=True),
            F("UnitPrice", "currency"),
            F("TotalPrice", "currency"),
            F("Description", "string", len=255),
            F("ServiceDate", "date"),
        ],
    ),
    "Case": dict(
        prefix="500",
        owner=True,
        fields=[
            F("CaseNumber", "string", len=30, ro=True, name_field=True),
            F(
                "AccountId",
                "reference",
                refs=["Account"],
                rel="Account",
                child="Cases",
                delete="restrict",
            ),
            F("ContactId", "reference", refs=["Contact"], rel="Contact", child="Cases"),
            F("ParentId", "reference", refs=["Case"], rel="Parent", child="Cases"),
            F("Subject", "string", len=255),
            F("Description", "textarea", len=32000),
            F("Status", "picklist", pick=["New", "Working", "Escalated", "Closed"], default="New"),
            F("Priority", "picklist", pick=["High", "Medium", "Low"], default="Medium"),
            F("Origin", "picklist", pick=["Phone", "Email", "Web"]),
            F(
                "Type",
                "picklist",
                pick=["Mechanical", "Electrical", "Electronic", "Structural", "Other"],
            ),
            F(
                "Reason",
                "picklist",
                pick=[
                    "Installation",
                    "Equipment Complexity",
                    "Performance",
                    "Breakdown",
                    "Equipment Design",
                    "Feedback",
                    "Other",
                ],
            ),
            F("IsClosed", "boolean", ro=True),
            F("IsEscalated", "boolean"),
            F("SuppliedEmail", "email", len=80),
            F("ClosedDate", "datetime", ro=True),
        ],
    ),
    "CaseComment": dict(
        prefix="00a",
        owner=False,
        fields=[
            F(
                "ParentId",
                "reference",
                refs=["Case"],
                rel="Parent",
                req=True,
                noupd=True,
                child="CaseComments",
                delete="cascade",
            ),
            F("CommentBody", "textarea", len=4000),
            F("IsPublished", "boolean"),
        ],
    ),
    "Lead": dict(
        prefix="00Q",
        owner=True,
        fields=[
            F("LastName", "string", len=80, req=True),
            F("FirstName", "string", len=40),
            F("Name", "string", len=121, ro=True, name_field=True),
            F("Company", "string", len=255, req=True),
            F("Title", "string", len=128),
            F("Email", "email", len=80),
            F("Phone", "phone", len=40),
            F(
                "Status",
                "picklist",
                pick=[
                    "Open - Not Contacted",
                    "Working - Contacted",
                    "Closed - Converted",
                    "Closed - Not Converted",
                ],
                default="Open - Not Contacted",
            ),
            F("LeadSource", "picklist", pick=["Web", "Phone Inquiry", "Partner Referral", "Other"]),
            F(
                "Industry",
                "picklist",
                pick=["Agriculture", "Banking", "Energy", "Retail", "Technology"],
            ),
            F("Rating", "picklist", pick=["Hot", "Warm", "Cold"]),
            F("AnnualRevenue", "currency"),
            F("NumberOfEmployees", "int"),
            *_address(""),
            F("IsConverted", "boolean", ro=True),
        ],
    ),
    "Campaign": dict(
        prefix="701",
        owner=True,
        fields=[
            NAME,
            F("ParentId", "reference", refs=["Campaign"], rel="Parent", child="ChildCampaigns"),
            F(
                "Type",
                "picklist",
                pick=["Conference", "Webinar", "Email", "Advertisement", "Other"],
            ),
            F("Status", "picklist", pick=["Planned", "In Progress", "Completed", "Aborted"]),
            F("StartDate", "date"),
            F("EndDate", "date"),
            F("IsActive", "boolean"),
            F("BudgetedCost", "currency"),
            F("ActualCost", "currency"),
            F("ExpectedRevenue", "currency"),
            F("Description", "textarea", len=32000),
        ],
    ),
    "CampaignMember": dict(
        prefix="00v",
        owner=False,
        fields=[
            F(
                "CampaignId",
                "reference",
                refs=["Campaign"],
                rel="Campaign",
                req=True,
                noupd=True,
                child="CampaignMembers",
                delete="cascade",
            ),
            F(
                "LeadId",
                "reference",
                refs=["Lead"],
                rel="Lead",
                noupd=True,
                child="CampaignMembers",
                delete="cascade",
            ),
            F(
                "ContactId",
                "reference",
                refs=["Contact"],
                rel="Contact",
                noupd=True,
                child="CampaignMembers",
                delete="cascade",
            ),
            F("Status", "picklist", pick=["Planned", "Received", "Responded", "Sent"]),
            F("HasResponded", "boolean", ro=True),
        ],
    ),
    "Task": dict(
        prefix="00T",
        owner=True,
        fields=[
            F("Subject", "combobox", len=255),
            F(
                "WhoId",
                "reference",
                refs=["Contact", "Lead"],
                rel="Who",
                child="Tasks",
                delete="cascade",
            ),
            F(
                "WhatId",
                "reference",
                refs=ACTIVITY_WHAT,
                rel="What",
                child="Tasks",
                delete="cascade",
            ),
            F("ActivityDate", "date"),
            F(
                "Status",
                "picklist",
                pick=[
                    "Not Started",
                    "In Progress",
                    "Completed",
                    "Waiting on someone else",
                    "Deferred",
                ],
                default="Not Started",
                req=True,
            ),
            F("Priority", "picklist", pick=["High", "Normal", "Low"], default="Normal", req=True),
            F("Description", "textarea", len=32000),
            F("IsClosed", "boolean", ro=True),
            F("TaskSubtype", "picklist", pick=["Task", "Email", "Call"]),
        ],
    ),
    "Event": dict(
        prefix="00U",
        owner=True,
        fields=[
            F("Subject", "combobox", len=255),
            F(
                "WhoId",
                "reference",
                refs=["Contact", "Lead"],
                rel="Who",
                child="Events",
                delete="cascade",
            ),
            F(
                "WhatId",
                "reference",
                refs=ACTIVITY_WHAT,
                rel="What",
                child="Events",
                delete="cascade",
            ),
            F("StartDateTime", "datetime"),
            F("EndDateTime", "datetime"),
            F("ActivityDate", "date"),
            F("DurationInMinutes", "int"),
            F("IsAllDayEvent", "boolean"),
            F("Location", "string", len=255),
            F("Description", "textarea", len=32000),
        ],
    ),
    "Contract": dict(
        prefix="800",
        owner=True,
        fields=[
            F(
                "AccountId",
                "reference",
                refs=["Account"],
                rel="Account",
                req=True,
                child="Contracts",
                delete="cascade",
            ),
            F("ContractNumber", "string", len=30, ro=True, name_field=True),
            F(
                "Status",
                "picklist",
                pick=["Draft", "In Approval Process", "Activated"],
                default="Draft",
                req=True,
                rpick=True,
            ),
            F("StartDate", "date"),
            F("ContractTerm", "int"),
            F("EndDate", "date", ro=True),
            F("Description", "textarea", len=32000),
        ],
    ),
    "Order": dict(
        prefix="801",
        owner=True,
        fields=[
            F(
                "AccountId",
                "reference",
                refs=["Account"],
                rel="Account",
                req=True,
                child="Orders",
                delete="restrict",
            ),
            F("ContractId", "reference", refs=["Contract"], rel="Contract", child="Orders"),
            F("Pricebook2Id", "reference", refs=["Pricebook2"], rel="Pricebook2", child="Orders"),
            F("OrderNumber", "string", len=30, ro=True, name_field=True),
            F(
                "Status",
                "picklist",
                pick=["Draft", "Activated"],
                default="Draft",
                req=True,
                rpick=True,
            ),
            F("EffectiveDate", "date", req=True),
            F("TotalAmount", "currency", ro=True),
            F("Description", "textarea", len=32000),
        ],
    ),
    "OrderItem": dict(
        prefix="802",
        owner=False,
        fields=[
            F(
                "OrderId",
                "reference",
                refs=["Order"],
                rel="Order",
                req=True,
                noupd=True,
                child="OrderItems",
                delete="cascade",
            ),
            F(
                "PricebookEntryId",
                "reference",
                refs=["PricebookEntry"],
                rel="PricebookEntry",
                req=True,
                noupd=True,
                child="OrderItems",
                delete="restrict",
            ),
            F("Product2Id", "reference", refs=["Product2"], rel="Product2", noupd=True),
            F("OrderItemNumber", "string", len=30, ro=True, name_field=True),
            F("Quantity", "double", req=True),
            F("UnitPrice", "currency", req=True),
            F("Description", "string", len=255),
        ],
    ),
    "Asset": dict(
        prefix="02i",
        owner=True,
        fields=[
            NAME,
            F(
                "AccountId",
                "reference",
                refs=["Account"],
                rel="Account",
                child="Assets",
                delete="cascade",
            ),
            F("ContactId", "reference", refs=["Contact"], rel="Contact", child="Assets"),
            F("Product2Id", "reference", refs=["Product2"], rel="Product2", child="Assets"),
            F("SerialNumber", "string", len=80),
            F("InstallDate", "date"),
            F("PurchaseDate", "date"),
            F(
                "Status",
                "picklist",
                pick=["Purchased", "Shipped", "Installed", "Registered", "Obsolete"],
            ),
            F("Price", "currency"),
            F("Quantity", "double"),
            F("Description", "textarea", len=32000),
        ],
    ),
    "Attachment": dict(
        prefix="00P",
        owner=True,
        fields=[
            F(
                "ParentId",
                "reference",
                refs=ATTACHMENT_PARENTS,
                rel="Parent",
                req=True,
                noupd=True,
                child="Attachments",
                delete="cascade",
            ),
            F("Name", "string", len=255, req=True, name_field=True),
            F("IsPrivate", "boolean"),
            F("ContentType", "string", len=120),
            F("BodyLength", "int", ro=True),
            F("Body", "base64", req=True),
            F("Description", "textarea", len=500),
        ],
    ),
    "Note": dict(
        prefix="002",
        owner=True,
        fields=[
            F(
                "ParentId",
                "reference",
                refs=ATTACHMENT_PARENTS,
                rel="Parent",
                req=True,
                noupd=True,
                child="Notes",
                delete="cascade",
            ),
            F("Title", "string", len=80, req=True, name_field=True),
            F("IsPrivate", "boolean"),
            F("Body", "textarea", len=32000),
        ],
    ),
    "Folder": dict(
        prefix="00l",
        owner=False,
        fields=[
            NAME,
            F("DeveloperName", "string", len=80),
            F("Type", "picklist", pick=["Document", "Email", "Report", "Dashboard"], req=True),
            F("AccessType", "picklist", pick=["Shared", "Public", "Hidden"]),
        ],
    ),
    "Document": dict(
        prefix="015",
        owner=False,
        fields=[
            F(
                "FolderId",
                "reference",
                refs=["Folder", "User"],
                rel="Folder",
                req=True,
                child="Documents",
            ),
            F("Name", "string", len=255, req=True, name_field=True),
            F("DeveloperName", "string", len=80),
            F("ContentType", "string", len=120),
            F("Type", "string", len=40),
            F("IsPublic", "boolean"),
            F("BodyLength", "int", ro=True),
            F("Body", "base64"),
            F("Description", "textarea", len=255),
            F("AuthorId", "reference", refs=["User"], rel="Author", ro=True),
        ],
    ),
    "ContentDocument": dict(
        prefix="069",
        owner=True,
        createable=False,
        fields=[
            F("Title", "string", len=255, req=True, name_field=True),
            F("FileType", "string", len=20, ro=True),
            F("FileExtension", "string", len=40, ro=True),
            F("ContentSize", "int", ro=True),
            F(
                "LatestPublishedVersionId",
                "reference",
                refs=["ContentVersion"],
                rel="LatestPublishedVersion",
                ro=True,
            ),
            F("Description", "textarea", len=1000),
        ],
    ),
    "ContentVersion": dict(
        prefix="068",
        owner=True,
        deletable=False,
        fields=[
            F(
                "ContentDocumentId",
                "reference",
                refs=["ContentDocument"],
                rel="ContentDocument",
                noupd=True,
                child="ContentVersions",
                delete="cascade",
            ),
            F("Title", "string", len=255, req=True, name_field=True),
            F("PathOnClient", "string", len=500, noupd=True),
            F("VersionData", "base64", noupd=True),
            F("VersionNumber", "string", len=20, ro=True),
            F("IsLatest", "boolean", ro=True),
            F("ContentSize", "int", ro=True),
            F("FileType", "string", len=20, ro=True),
            F("FileExtension", "string", len=40, ro=True),
            F("Description", "textarea", len=1000),
            F(
                "FirstPublishLocationId",
                "reference",
                refs=["Account", "Contact", "Opportunity", "Case", "User", "Project__c"],
                rel="FirstPublishLocation",
                noupd=True,
            ),
        ],
    ),
    "ContentDocumentLink": dict(
        prefix="06A",
        owner=False,
        updateable=False,
        fields=[
            F(
                "LinkedEntityId",
                "reference",
                refs=["Account", "Contact", "Opportunity", "Case", "User", "Project__c"],
                rel="LinkedEntity",
                req=True,
                noupd=True,
                child="ContentDocumentLinks",
                delete="cascade",
            ),
            F(
                "ContentDocumentId",
                "reference",
                refs=["ContentDocument"],
                rel="ContentDocument",
                req=True,
                noupd=True,
                child="ContentDocumentLinks",
                delete="cascade",
            ),
            F("ShareType", "picklist", pick=["V", "C", "I"], default="V", rpick=True),
            F(
                "Visibility",
                "picklist",
                pick=["AllUsers", "InternalUsers", "SharedUsers"],
                default="AllUsers",
            ),
        ],
    ),
    "AccountHistory": dict(
        prefix="017",
        owner=False,
        createable=False,
        updateable=False,
        deletable=False,
        audit="created",
        fields=[
            F(
                "AccountId",
                "reference",
                refs=["Account"],
                rel="Account",
                ro=True,
                child="Histories",
                delete="cascade",
            ),
            F("Field", "picklist", pick=["Name", "Rating", "created", "Owner"], ro=True),
            F("DataType", "string", len=40, ro=True),
            F("OldValue", "string", len=255, ro=True),
            F("NewValue", "string", len=255, ro=True),
        ],
    ),
    "AccountShare": dict(
        prefix="00r",
        owner=False,
        audit="modified",
        fields=[
            F(
                "AccountId",
                "reference",
                refs=["Account"],
                rel="Account",
                req=True,
                noupd=True,
                child="Shares",
                delete="cascade",
            ),
            F("UserOrGroupId", "reference", refs=["User"], rel="UserOrGroup", req=True, noupd=True),
            F("AccountAccessLevel", "picklist", pick=["Read", "Edit", "All"], req=True, rpick=True),
            F(
                "OpportunityAccessLevel",
                "picklist",
                pick=["None", "Read", "Edit"],
                req=True,
                rpick=True,
            ),
            F("CaseAccessLevel", "picklist", pick=["None", "Read", "Edit"], req=True, rpick=True),
            F("RowCause", "picklist", pick=["Owner", "Manual", "Rule"], default="Manual"),
        ],
    ),
    "AccountFeed": dict(
        prefix="0D5",
        owner=False,
        updateable=False,
        fields=[
            F(
                "ParentId",
                "reference",
                refs=["Account"],
                rel="Parent",
                req=True,
                noupd=True,
                child="Feeds",
                delete="cascade",
            ),
            F("Type", "picklist", pick=["TextPost", "LinkPost", "TrackedChange"], noupd=True),
            F("Title", "string", len=255),
            F("Body", "textarea", len=10000),
            F("LinkUrl", "url", len=1000),
            F("CommentCount", "int", ro=True),
            F("LikeCount", "int", ro=True),
        ],
    ),
    "Project__c": dict(
        prefix="a00",
        owner=True,
        custom=True,
        fields=[
            F("Name", "string", len=80, req=True, name_field=True),
            F(
                "Account__c",
                "reference",
                refs=["Account"],
                rel="Account__r",
                child="Projects__r",
                delete="setnull",
            ),
            F("Status__c", "picklist", pick=["Planned", "Active", "Done"], rpick=True),
            F("Budget__c", "currency"),
            F("Start_Date__c", "date"),
            F("Code__c", "string", len=20, ext=True, unique=True),
            F("Description__c", "textarea", len=32768),
        ],
    ),
    "Project_Task__c": dict(
        prefix="a01",
        owner=False,
        custom=True,
        fields=[
            F("Name", "string", len=80, req=True, name_field=True),
            F(
                "Project__c",
                "reference",
                refs=["Project__c"],
                rel="Project__r",
                req=True,
                child="Project_Tasks__r",
                delete="cascade",
                master=True,
            ),
            F("Hours__c", "double"),
            F("Done__c", "boolean"),
            F("Due_Date__c", "date"),
        ],
    ),
    "Customer_Interaction__b": dict(
        prefix="x00",
        owner=False,
        custom=True,
        big=True,
        fields=[
            F("Account__c", "reference", refs=["Account"], rel="Account__r", req=True),
            F("Interaction_Date__c", "datetime", req=True),
            F("Channel__c", "string", len=40),
            F("Summary__c", "string", len=255),
        ],
    ),
    "Support_Tier__mdt": dict(
        prefix="m00",
        owner=False,
        custom=True,
        mdt=True,
        fields=[
            F("DeveloperName", "string", len=40, req=True),
            F("MasterLabel", "string", len=40, req=True, name_field=True),
            F("Label", "string", len=40),
            F("QualifiedApiName", "string", len=70, ro=True),
            F("NamespacePrefix", "string", len=15, ro=True),
            F("Language", "picklist", pick=["en_US"]),
            F("SLA_Hours__c", "double"),
            F("Priority__c", "string", len=20),
        ],
    ),
}

# Real describes list these child objects' relationships already; extra objects loaded later
# (SFDX, describe files) are linked by link_children().
REAL_OBJECTS = ("Account", "Contact", "Opportunity")
DEFAULT_OBJECT_ORDER = [
    "Organization",
    "Profile",
    "PermissionSet",
    "User",
    "PermissionSetAssignment",
    "Account",
    "Contact",
    "Opportunity",
    "Product2",
    "Pricebook2",
    "PricebookEntry",
    "OpportunityLineItem",
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
    "Folder",
    "Document",
    "ContentDocument",
    "ContentVersion",
    "ContentDocumentLink",
    "AccountHistory",
    "AccountShare",
    "AccountFeed",
    "Project__c",
    "Project_Task__c",
    "Customer_Interaction__b",
    "Support_Tier__mdt",
]


def _system_fields(name: str, spec: dict) -> list[dict]:
    out = [field_describe("Id", "id", label=f"{name} ID", createable=False, updateable=False)]
    audit = spec.get("audit", "full")
    if not spec.get("big"):
        out.append(
            field_describe(
                "IsDeleted", "boolean", label="Deleted", createable=False, updateable=False
            )
        )
    if spec.get("owner"):
        out.append(
            field_describe(
                "OwnerId",
                "reference",
                label="Owner ID",
                refs=["User"],
                rel="Owner",
                default_on_create=True,
            )
        )
    out.append(
        field_describe(
            "CreatedDate",
            "datetime",
            createable=False,
            updateable=False,
            default_on_create=True,
            required=True,
        )
    )
    out.append(
        field_describe(
            "CreatedById",
            "reference",
            refs=["User"],
            rel="CreatedBy",
            createable=False,
            updateable=False,
            default_on_create=True,
            required=True,
        )
    )
    if audit in ("full", "modified"):
        out.append(
            field_describe(
                "LastModifiedDate",
                "datetime",
                createable=False,
                updateable=False,
                default_on_create=True,
                required=True,
            )
        )
        out.append(
            field_describe(
                "LastModifiedById",
                "reference",
                refs=["User"],
                rel="LastModifiedBy",
                createable=False,
                updateable=False,
                default_on_create=True,
                required=True,
            )
        )
    if audit == "full":
        out.append(
            field_describe(
                "SystemModstamp",
                "datetime",
                createable=False,
                updateable=False,
                default_on_create=True,
                required=True,
            )
        )
    return out


def render_object(name: str, spec: dict) -> dict:
    """Describe JSON (same keys as the real ones) for a compact object definition."""
    custom = bool(spec.get("custom"))
    fields = _system_fields(name, spec)
    for fname, ftype, o in spec["fields"]:
        ro = o.get("ro", False)
        fields.append(
            field_describe(
                fname,
                ftype,
                length=o.get("len", 0),
                required=o.get("req", False),
                createable=not ro,
                updateable=not ro and not o.get("noupd", False),
                refs=o.get("refs"),
                rel=o.get("rel"),
                picklist=o.get("pick"),
                restricted=o.get("rpick", False),
                unique=o.get("unique", False),
                external_id=o.get("ext", False),
                name_field=o.get("name_field", False),
                cascade=o.get("master", False),
                default_value=o.get("default"),
                default_on_create=o.get("default") is not None,
            )
        )
    return make_object(
        name,
        spec["prefix"],
        fields,
        custom=custom,
        createable=spec.get("createable", True) and not spec.get("mdt"),
        updateable=spec.get("updateable", True) and not spec.get("mdt"),
        deletable=spec.get("deletable", True) and not spec.get("mdt"),
        replicateable=not spec.get("big") and not spec.get("mdt"),
        undeletable=not spec.get("big") and not spec.get("mdt"),
    )


def make_object(
    name: str,
    prefix: str | None,
    fields: list[dict],
    *,
    custom: bool,
    label: str | None = None,
    plural: str | None = None,
    createable=True,
    updateable=True,
    deletable=True,
    replicateable=True,
    undeletable=True,
) -> dict:
    d = copy.deepcopy(_object_template())
    label = label or name.removesuffix("__c").removesuffix("__b").removesuffix("__mdt").replace(
        "_", " "
    )
    plural = plural or (label + "s")
    base = f"/services/data/v{API_VERSION}/sobjects/{name}"
    d.update(
        name=name,
        label=label,
        labelPlural=plural,
        keyPrefix=prefix,
        custom=custom,
        customSetting=False,
        createable=createable,
        updateable=updateable,
        deletable=deletable,
        undeletable=undeletable,
        replicateable=replicateable,
        retrieveable=True,
        queryable=True,
        searchable=not name.endswith(("__b", "__mdt")),
        triggerable=not name.endswith("__b"),
        mergeable=False,
        feedEnabled=False,
        layoutable=True,
        mruEnabled=custom,
        childRelationships=[],
        fields=fields,
        actionOverrides=[],
        namedLayoutInfos=[],
        supportedScopes=[{"label": "All " + plural.lower(), "name": "everything"}],
        recordTypeInfos=[
            {
                "active": True,
                "available": True,
                "defaultRecordTypeMapping": True,
                "developerName": "Master",
                "master": True,
                "name": "Master",
                "recordTypeId": "012000000000000AAA",
                "urls": {"layout": f"{base}/describe/layouts/012000000000000AAA"},
            }
        ],
        urls={
            "compactLayouts": f"{base}/describe/compactLayouts",
            "rowTemplate": f"{base}/{{ID}}",
            "describe": f"{base}/describe",
            "sobject": base,
            "layouts": f"{base}/describe/layouts",
            "listviews": f"{base}/listviews",
            "quickActions": f"{base}/quickActions",
        },
    )
    return d


def _delete_rule(spec: dict, obj: str, fname: str) -> str | None:
    for f, _t, o in spec.get("fields", []):
        if f == fname:
            return o.get("delete"), o.get("child")
    return None, None


def link_children(
    schema: dict[str, dict],
    rules: dict[tuple[str, str], tuple] | None = None,
    real: set[str] | frozenset[str] = frozenset(),
):
    """Add childRelationships on each parent for reference fields of objects in ``schema``
    that the parent does not list yet. ``rules`` maps (child, field) -> (delete, childName).
    Between two objects of ``real`` (loaded from real describes) nothing is added: a real
    describe already lists exactly the relationships Salesforce reports."""
    rules = rules or {}
    for child_name, child in schema.items():
        for f in child["fields"]:
            if f["type"] != "reference" or f["name"] in ("CreatedById", "LastModifiedById"):
                continue
            delete, rel_name = rules.get((child_name, f["name"]), (None, None))
            for parent_name in f["referenceTo"]:
                parent = schema.get(parent_name)
                if parent is None or (parent_name in real and child_name in real):
                    continue
                if any(
                    c["childSObject"] == child_name and c["field"] == f["name"]
                    for c in parent["childRelationships"]
                ):
                    continue
                parent["childRelationships"].append(
                    {
                        "cascadeDelete": delete == "cascade",
                        "childSObject": child_name,
                        "deprecatedAndHidden": False,
                        "field": f["name"],
                        "junctionIdListNames": [],
                        "junctionReferenceTo": [],
                        "relationshipName": rel_name,
                        "restrictedDelete": delete == "restrict",
                    }
                )


def default_schema() -> dict[str, dict]:
    """The built-in default org schema: name -> describe JSON."""
    schema: dict[str, dict] = {}
    rules = {}
    for name in DEFAULT_OBJECT_ORDER:
        if name in REAL_OBJECTS:
            schema[name] = copy.deepcopy(real_describe(name))
            continue
        spec = COMPACT[name]
        schema[name] = render_object(name, spec)
        for fname, ftype, o in spec["fields"]:
            if ftype == "reference" and (o.get("child") or o.get("delete")):
                rules[(name, fname)] = (o.get("delete"), o.get("child"))
    link_children(schema, rules, set(REAL_OBJECTS))
    return schema


def global_entry(describe: dict) -> dict:
    """describeGlobal's entry for one object."""
    keys = (
        "activateable",
        "createable",
        "custom",
        "customSetting",
        "deepCloneable",
        "deletable",
        "deprecatedAndHidden",
        "feedEnabled",
        "hasSubtypes",
        "isInterface",
        "isSubtype",
        "keyPrefix",
        "label",
        "labelPlural",
        "layoutable",
        "mergeable",
        "mruEnabled",
        "name",
        "queryable",
        "replicateable",
        "retrieveable",
        "searchable",
        "triggerable",
        "undeletable",
        "updateable",
    )
    entry = {k: describe.get(k, False) for k in keys}
    entry["associateEntityType"] = None
    entry["associateParentEntity"] = None
    base = f"/services/data/v{API_VERSION}/sobjects/{describe['name']}"
    entry["urls"] = {
        "rowTemplate": f"{base}/{{ID}}",
        "describe": f"{base}/describe",
        "sobject": base,
    }
    return entry


SQL_TYPES = {
    "boolean": "INTEGER",
    "int": "INTEGER",
    "double": "REAL",
    "currency": "REAL",
    "percent": "REAL",
    "base64": "BLOB",
}


class ObjectDef:
    """Fast lookups over one object's describe."""

    def __init__(self, describe: dict):
        self.describe = describe
        self.name: str = describe["name"]
        self.key_prefix: str | None = describe.get("keyPrefix")
        self.fields: dict[str, dict] = {f["name"]: f for f in describe["fields"]}
        self.lower: dict[str, str] = {n.lower(): n for n in self.fields}
        self.stored: list[str] = [n for n, f in self.fields.items() if f["type"] not in COMPOUND]
        self.binary = [n for n in self.stored if self.fields[n]["type"] == "base64"]
        self.has_owner = "OwnerId" in self.fields
        self.relationships: dict[str, dict] = {
            f["relationshipName"].lower(): f
            for f in describe["fields"]
            if f["type"] == "reference" and f.get("relationshipName")
        }
        self.children: dict[str, dict] = {
            c["relationshipName"].lower(): c
            for c in describe.get("childRelationships", [])
            if c.get("relationshipName")
        }
        self.name_field = next((n for n, f in self.fields.items() if f.get("nameField")), None)
        self.is_big = self.name.endswith("__b")
        self.is_mdt = self.name.endswith("__mdt")

    def field(self, name: str) -> dict | None:
        real = self.lower.get(name.lower())
        return self.fields[real] if real else None

    def table(self) -> str:
        return f'"o_{self.name}"'
