# ruff: noqa: S608  (SOQL text built in tests)
"""sObject Tree (``POST composite/tree/{sObject}``) through simple-salesforce's restful():
nested parents and children in one all-or-nothing request, with reference Ids back."""

from __future__ import annotations

import json
import uuid

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.fixtures.sfsim import sf_client


@pytest.fixture(scope="module")
def sf(sfsim):
    return sf_client(sfsim)


def _tree(sf, sobject: str, records: list[dict]):
    return sf.restful(
        f"composite/tree/{sobject}", method="POST", data=json.dumps({"records": records})
    )


def _error(excinfo) -> dict:
    return excinfo.value.content


def test_tree_creates_parents_with_nested_children_and_returns_reference_ids(sf):
    tag = uuid.uuid4().hex[:8]
    answer = _tree(
        sf,
        "Account",
        [
            {
                "attributes": {"type": "Account", "referenceId": "acc1"},
                "Name": f"Tree {tag}",
                "Contacts": {
                    "records": [
                        {
                            "attributes": {"type": "Contact", "referenceId": "con1"},
                            "LastName": f"First {tag}",
                        },
                        {
                            "attributes": {"type": "Contact", "referenceId": "con2"},
                            "LastName": f"Second {tag}",
                        },
                    ]
                },
                "Opportunities": {
                    "records": [
                        {
                            "attributes": {"type": "Opportunity", "referenceId": "opp1"},
                            "Name": f"Deal {tag}",
                            "StageName": "Prospecting",
                            "CloseDate": "2026-06-30",
                        }
                    ]
                },
            },
            {"attributes": {"type": "Account", "referenceId": "acc2"}, "Name": f"Tree2 {tag}"},
        ],
    )
    assert answer["hasErrors"] is False
    refs = {r["referenceId"]: r["id"] for r in answer["results"]}
    assert [r["referenceId"] for r in answer["results"]] == ["acc1", "con1", "con2", "opp1", "acc2"]
    assert refs["acc1"].startswith("001") and refs["con1"].startswith("003")
    contacts = sf.query(f"SELECT LastName, AccountId FROM Contact WHERE LastName LIKE '% {tag}'")
    assert {(r["LastName"], r["AccountId"]) for r in contacts["records"]} == {
        (f"First {tag}", refs["acc1"]),
        (f"Second {tag}", refs["acc1"]),
    }
    opportunity = sf.Opportunity.get(refs["opp1"])
    assert opportunity["AccountId"] == refs["acc1"]


def test_a_failing_child_saves_nothing_and_names_its_reference(sf):
    tag = uuid.uuid4().hex[:8]
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        _tree(
            sf,
            "Account",
            [
                {
                    "attributes": {"type": "Account", "referenceId": "ok1"},
                    "Name": f"Rolled {tag}",
                    "Contacts": {
                        "records": [
                            {
                                "attributes": {"type": "Contact", "referenceId": "bad1"},
                                "Email": "x@y.z",
                            }
                        ]
                    },
                }
            ],
        )
    body = _error(excinfo)
    assert body["hasErrors"] is True
    assert body["results"][0]["referenceId"] == "bad1"
    assert body["results"][0]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query(f"SELECT Id FROM Account WHERE Name = 'Rolled {tag}'")["totalSize"] == 0


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (
            [
                {"attributes": {"type": "Account", "referenceId": "dup"}, "Name": "a"},
                {"attributes": {"type": "Account", "referenceId": "dup"}, "Name": "b"},
            ],
            "Duplicate ReferenceId",
        ),
        ([{"attributes": {"type": "Contact", "referenceId": "c"}, "LastName": "x"}], "match"),
        ([{"attributes": {"type": "Account"}, "Name": "x"}], "reference ID"),
        (
            [
                {"attributes": {"type": "Account", "referenceId": f"r{i}"}, "Name": "x"}
                for i in range(201)
            ],
            "at most 200 records",
        ),
    ],
    ids=["duplicate-reference", "wrong-type", "no-reference", "too-many"],
)
def test_malformed_trees_are_refused_before_anything_is_saved(sf, records, message):
    with pytest.raises(SalesforceMalformedRequest) as excinfo:
        _tree(sf, "Account", records)
    error = _error(excinfo)[0]
    assert error["errorCode"] == "INVALID_INPUT" and message in error["message"]
