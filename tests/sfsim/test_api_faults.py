"""The fault switch: each kind, on the Nth call, and the admin endpoint."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.fixtures.sfsim import API_VERSION


@pytest.fixture
def http(sfsim_faults):
    sim = sfsim_faults
    session = sim.session()
    session.headers["Authorization"] = f"Bearer {sim.token()['access_token']}"
    return sim, session, f"{sim.base_url}/services/data/v{API_VERSION}"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("http500", 500, "UNKNOWN_EXCEPTION"),
        ("http503", 503, "SERVER_UNAVAILABLE"),
        ("request_limit", 403, "REQUEST_LIMIT_EXCEEDED"),
        ("invalid_session", 401, "INVALID_SESSION_ID"),
    ],
)
def test_error_kinds_fire_on_the_nth_call(http, kind, status, code):
    sim, session, base = http
    sim.set_faults({"route": "/services/data/*/limits", "kind": kind, "on_call": 2})
    assert session.get(f"{base}/limits").status_code == 200
    failed = session.get(f"{base}/limits")
    assert failed.status_code == status and failed.json()[0]["errorCode"] == code
    assert session.get(f"{base}/limits").status_code == 200
    [rule] = sim.faults()
    assert (rule["calls"], rule["hits"]) == (3, 1)


def test_slow(http):
    sim, session, base = http
    sim.set_faults({"route": "/services/data/*/limits", "kind": "slow", "delay": 0.6})
    started = time.monotonic()
    assert session.get(f"{base}/limits").status_code == 200
    assert time.monotonic() - started >= 0.6


def test_cut_closes_the_connection_mid_body(http):
    sim, session, base = http
    sim.set_faults({"route": "/services/data/*/sobjects", "kind": "cut", "method": "GET"})
    with pytest.raises(requests.exceptions.RequestException):
        session.get(f"{base}/sobjects").json()
    assert session.get(f"{base}/sobjects").status_code == 200


def test_cut_query_page_can_be_asked_again(http):
    sim, session, base = http
    tag = uuid.uuid4().hex[:8]
    for _ in range(2):
        records = [{"attributes": {"type": "Lead"}, "LastName": tag, "Company": "Cut"}] * 150
        assert session.post(f"{base}/composite/sobjects", json={"records": records}).ok
    soql = f"SELECT Id FROM Lead WHERE LastName = '{tag}'"  # noqa: S608
    headers = {"Sforce-Query-Options": "batchSize=200"}
    first = session.get(f"{base}/query", params={"q": soql}, headers=headers).json()
    assert first["done"] is False
    sim.set_faults({"route": "/services/data/*/query/*", "kind": "cut"})
    with pytest.raises(requests.exceptions.RequestException):
        session.get(sim.base_url + first["nextRecordsUrl"]).json()
    again = session.get(sim.base_url + first["nextRecordsUrl"])
    assert again.status_code == 200 and len(again.json()["records"]) == 100
    assert again.json()["done"] is True


def test_rate_and_clear(http):
    sim, session, base = http
    sim.set_faults({"route": "/services/data/*", "kind": "http503", "rate": 1.0})
    assert session.get(f"{base}/limits").status_code == 503
    sim.clear_faults()
    assert sim.faults() == []
    assert session.get(f"{base}/limits").status_code == 200


def test_bad_fault_spec_is_rejected(sfsim_faults):
    answer = sfsim_faults.control_session().post(
        f"{sfsim_faults.base_url}/__sfsim/faults", json={"route": "/x", "kind": "explode"}
    )
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_FAULT"
    assert "kind" in answer.json()[0]["message"]


@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["no-token", "wrong-token"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "faults"), ("POST", "faults"), ("DELETE", "faults"), ("POST", "clock")],
)
def test_control_routes_need_the_control_token(sfsim_faults, token, method, path):
    session = sfsim_faults.session()
    if token:
        session.headers["X-Sfsim-Token"] = token
    before = sfsim_faults.faults()
    answer = session.request(
        method,
        f"{sfsim_faults.base_url}/__sfsim/{path}",
        json={"route": "/services/data/*", "kind": "http503"} if path == "faults" else {"days": 1},
    )
    assert answer.status_code == 401
    assert answer.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert "X-Sfsim-Token" in answer.json()[0]["message"]
    assert sfsim_faults.faults() == before


def test_control_token_is_printed_by_credentials(sfsim):
    out = sfsim.manage("credentials")
    assert f"control token (X-Sfsim-Token header for /__sfsim/): {sfsim.control_token}" in out
    assert len(sfsim.control_token) >= 24
