"""SFDX field types as Salesforce's describe shows them (sfsim.loaders.sfdx)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sfsim.loaders.sfdx import fields_from_xml


def _field(body: str):
    root = ET.fromstring(  # noqa: S314 (test-made XML)
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">' + body + "</CustomField>"
    )
    return fields_from_xml(root)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<fullName>E__c</fullName><type>Email</type>", {"type": "email", "length": 80}),
        ("<fullName>P__c</fullName><type>Phone</type>", {"type": "phone", "length": 40}),
        ("<fullName>U__c</fullName><type>Url</type>", {"type": "url", "length": 255}),
        ("<fullName>T__c</fullName><type>TextArea</type>", {"type": "textarea", "length": 255}),
        (
            "<fullName>L__c</fullName><type>LongTextArea</type><length>5000</length>",
            {"type": "textarea", "length": 5000},
        ),
        (
            "<fullName>H__c</fullName><type>Html</type><length>10000</length>",
            {"type": "textarea", "extraTypeInfo": "richtextarea", "htmlFormatted": True},
        ),
        (
            "<fullName>A__c</fullName><type>AutoNumber</type><displayFormat>A-{0000}</displayFormat>",
            {"type": "string", "autoNumber": True, "createable": False, "length": 30},
        ),
        (
            "<fullName>N__c</fullName><type>Number</type><precision>10</precision><scale>2</scale>",
            {"type": "double", "precision": 10, "scale": 2},
        ),
        (
            "<fullName>X__c</fullName><type>Text</type><length>20</length>"
            "<externalId>true</externalId><unique>true</unique>",
            {"externalId": True, "unique": True, "idLookup": True, "length": 20},
        ),
        (
            "<fullName>S__c</fullName><type>Picklist</type><valueSet><restricted>true</restricted>"
            "<valueSetDefinition><value><fullName>a</fullName></value></valueSetDefinition>"
            "</valueSet>",
            {"type": "picklist", "restrictedPicklist": True},
        ),
        (
            "<fullName>F__c</fullName><type>Checkbox</type><formula>TRUE</formula>",
            {"type": "boolean", "calculated": True, "createable": False, "defaultValue": None},
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 3 else None,
)
def test_field_types_match_salesforce_describe(body, expected):
    fields, _delete, _child = _field(body)
    field = fields[0]
    assert {k: field[k] for k in expected} == expected


def test_lookup_and_master_detail_relationships():
    fields, delete, child = _field(
        "<fullName>Account__c</fullName><type>Lookup</type><referenceTo>Account</referenceTo>"
        "<relationshipName>Stores</relationshipName><deleteConstraint>Restrict</deleteConstraint>"
    )
    assert fields[0]["relationshipName"] == "Account__r" and fields[0]["referenceTo"] == ["Account"]
    assert delete == "restrict" and child == "Stores__r"
    fields, delete, child = _field(
        "<fullName>Parent__c</fullName><type>MasterDetail</type><referenceTo>Account</referenceTo>"
        "<relationshipName>Kids</relationshipName>"
    )
    assert fields[0]["cascadeDelete"] is True and fields[0]["nillable"] is False
    assert not fields[0]["updateable"] and delete == "cascade"


def test_location_gives_compound_and_components():
    fields, _, _ = _field("<fullName>Where__c</fullName><type>Location</type><scale>4</scale>")
    assert [f["name"] for f in fields] == ["Where__c", "Where__Latitude__s", "Where__Longitude__s"]
    assert fields[0]["type"] == "location" and not fields[0]["createable"]
    assert all(f["scale"] == 4 and f["compoundFieldName"] == "Where__c" for f in fields[1:])
