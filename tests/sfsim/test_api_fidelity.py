# ruff: noqa: S608  (SOQL text built in tests)
"""SFDX source the way Salesforce describes and computes it, through simple-salesforce on a
private simulator loaded with ``sfsim load --sfdx-objects --tree``: geolocation compound
fields, formula fields (calculated, read-only, computed), and an all-or-nothing load."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.fixtures.sfsim import ROOT, manage_sfsim, prepare_data_dir, sf_client, start_sfsim

FIXTURES = ROOT / "tests" / "fixtures" / "salesforce"
SFDX = FIXTURES / "sfdx" / "fidelity" / "objects"
PLAN = FIXTURES / "trees" / "fidelity" / "plan.json"
BROKEN_PLAN = FIXTURES / "trees" / "fidelity" / "broken-plan.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = prepare_data_dir(tmp_path_factory.mktemp("fidelity"), generate=5)
    manage_sfsim("load", "--data", str(data_dir), "--sfdx-objects", str(SFDX), "--tree", str(PLAN))
    with start_sfsim(data_dir) as sim:
        yield sim


@pytest.fixture(scope="module")
def sf(server):
    return sf_client(server)


@pytest.fixture(scope="module")
def fields(sf):
    return {f["name"]: f for f in sf.Store__c.describe()["fields"]}


def test_location_is_a_compound_field_with_double_components(fields):
    location = fields["Location__c"]
    assert location["type"] == "location" and location["soapType"] == "urn:location"
    assert not location["createable"] and not location["updateable"]
    for part in ("Latitude", "Longitude"):
        component = fields[f"Location__{part}__s"]
        assert component["type"] == "double"
        assert component["compoundFieldName"] == "Location__c"
        assert component["scale"] == 6 and component["createable"] and component["updateable"]
        assert component["label"] == f"Location ({part})"


def test_tree_plan_components_load_and_query_as_compound_and_parts(sf):
    store = sf.query(
        "SELECT Name, Location__c, Location__Latitude__s, Location__Longitude__s "
        "FROM Store__c WHERE Name = 'Lyon'"
    )["records"][0]
    assert store["Location__Latitude__s"] == pytest.approx(45.764043)
    assert store["Location__c"] == {
        "latitude": pytest.approx(45.764043),
        "longitude": pytest.approx(4.835659),
    }
    other = sf.query("SELECT Location__c FROM Store__c WHERE Name = 'Nice'")["records"][0]
    assert other["Location__c"] is None
    got = sf.Store__c.get(
        sf.query("SELECT Id FROM Store__c WHERE Name = 'Lyon'")["records"][0]["Id"]
    )
    assert got["Location__c"]["longitude"] == pytest.approx(4.835659)


def test_formula_fields_are_described_as_salesforce_does(fields):
    margin = fields["Margin__c"]
    assert margin["calculated"] is True
    assert margin["calculatedFormula"] == "Revenue__c - Cost__c"
    assert margin["formulaTreatNullNumberAsZero"] is True
    assert margin["type"] == "currency" and margin["scale"] == 2
    assert not margin["createable"] and not margin["updateable"] and margin["nillable"]
    assert fields["Summary__c"]["type"] == "string" and fields["Summary__c"]["length"] == 1300
    assert fields["Big__c"]["type"] == "boolean" and fields["Big__c"]["calculated"]
    assert fields["Review_Date__c"]["type"] == "date"
    assert fields["Revenue__c"]["calculated"] is False and fields["Revenue__c"]["createable"]


def test_formula_values_are_computed(sf, server):
    store = sf.query(
        "SELECT Margin__c, Summary__c, Big__c, Review_Date__c, Website__c, Account_Name__c, "
        "Code__c FROM Store__c WHERE Name = 'Lyon'"
    )["records"][0]
    assert store["Margin__c"] == 1500.5
    assert store["Summary__c"] == "Lyon (2500.5)"
    assert store["Big__c"] is True
    today = dt.date.fromisoformat(server.advance_clock(seconds=0)[:10])
    assert store["Review_Date__c"] == (today + dt.timedelta(days=30)).isoformat()
    assert store["Website__c"] == (
        '<a href="https://stores.example.com/Lyon" target="_blank">Lyon</a>'
    )
    assert store["Account_Name__c"] == "Fidelity Retail"
    assert store["Code__c"] is None  # REGEX is not computed: documented, never an error
    nice = sf.query("SELECT Margin__c, Big__c FROM Store__c WHERE Name = 'Nice'")["records"][0]
    assert nice == {**nice, "Margin__c": 300.0, "Big__c": False}  # blank Cost__c as zero


def test_formulas_follow_updates_and_filter(sf):
    created = sf.Store__c.create({"Name": "Grenoble", "Revenue__c": 50, "Cost__c": 20})
    assert sf.Store__c.get(created["id"])["Margin__c"] == 30.0
    sf.Store__c.update(created["id"], {"Revenue__c": 5000})
    after = sf.Store__c.get(created["id"])
    assert after["Margin__c"] == 4980.0 and after["Big__c"] is True
    big = sf.query("SELECT Name FROM Store__c WHERE Big__c = true ORDER BY Margin__c DESC")
    assert [r["Name"] for r in big["records"]][:2] == ["Grenoble", "Lyon"]


@pytest.mark.parametrize("field", ["Margin__c", "Location__c"])
def test_writes_to_formula_and_compound_fields_are_refused(sf, field):
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        sf.Store__c.create({"Name": "Refused", field: 1})
    error = excinfo.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["fields"] == [field]


def test_a_failing_load_keeps_nothing_and_says_why_in_one_line(tmp_path):
    data_dir = prepare_data_dir(tmp_path / "broken", generate=0)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "sfsim",
            "load",
            "--data",
            str(data_dir),
            "--sfdx-objects",
            str(SFDX),
            "--tree",
            str(BROKEN_PLAN),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "CommandError: Nothing was loaded: INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/"
        "update fields: Margin__c. Please check the security settings of this field and verify "
        "that it is read/write for your profile or permission set. "
        "(file BrokenStores.json, record WritesFormula)"
    ]
    with start_sfsim(data_dir) as sim:
        sf = sf_client(sim)
        assert "Store__c" not in {o["name"] for o in sf.describe()["sobjects"]}
        assert (
            sf.query("SELECT COUNT() FROM Account WHERE Name = 'Fidelity Retail'")["totalSize"] == 0
        )
    shutil.rmtree(data_dir, ignore_errors=True)
