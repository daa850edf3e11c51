"""The serve/load/credentials commands: restart survival, faults file, loading real
describe JSON, SFDX source and a tree plan (tests/fixtures/salesforce)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.fixtures import SALESFORCE_DATA
from tests.fixtures.sfsim import API_VERSION, manage_sfsim, sf_client, start_sfsim


def test_restart_keeps_records_tokens_and_certificate(tmp_path):
    data_dir = tmp_path / "restart"
    with start_sfsim(data_dir) as sim:
        token = sim.token()
        sf = sf_client(sim)
        account_id = sf.Account.create({"Name": "Survivor"})["id"]
        ca = Path(sim.ca_path).read_bytes()
        base = f"{sim.base_url}/services/data/v{API_VERSION}"
        session = sim.session()
        session.headers["Authorization"] = f"Bearer {token['access_token']}"
        soql = f"SELECT Id FROM Account WHERE Id = '{account_id}'"  # noqa: S608
        job = session.post(f"{base}/jobs/query", json={"operation": "query", "query": soql}).json()
        for _ in range(100):
            if session.get(f"{base}/jobs/query/{job['id']}").json()["state"] == "JobComplete":
                break
            time.sleep(0.05)
    with start_sfsim(data_dir) as sim:
        assert Path(sim.ca_path).read_bytes() == ca
        session = sim.session()
        session.headers["Authorization"] = f"Bearer {token['access_token']}"
        record = session.get(
            f"{sim.base_url}/services/data/v{API_VERSION}/sobjects/Account/{account_id}"
        )
        assert record.status_code == 200 and record.json()["Name"] == "Survivor"
        results = session.get(
            f"{sim.base_url}/services/data/v{API_VERSION}/jobs/query/{job['id']}/results"
        )
        assert results.text.splitlines() == ['"Id"', f'"{account_id}"']


def test_faults_file_at_start(tmp_path):
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"route": "/services/data", "kind": "http503", "count": 1}]))
    with start_sfsim(tmp_path / "faulty", extra_args=("--faults", str(faults))) as sim:
        session = sim.session()
        assert session.get(f"{sim.base_url}/services/data").status_code == 503
        assert session.get(f"{sim.base_url}/services/data").status_code == 200


def test_credentials_command(sfsim):
    creds = json.loads(sfsim.manage("credentials", "--json"))
    assert creds[0]["login_url"] == sfsim.base_url
    assert {"client_id", "client_secret", "username", "password", "org_id"} <= set(creds[0])
    text = sfsim.manage("credentials")
    assert creds[0]["username"] in text


def test_load_real_describes_sfdx_and_tree(tmp_path):
    data_dir = tmp_path / "ebikes"
    describes = sorted(
        str(p) for p in (SALESFORCE_DATA / "describe").glob("*.json") if p.name != "global.json"
    )
    out = manage_sfsim(
        "load",
        "--data",
        str(data_dir),
        "--org-name",
        "eBikes",
        "--describe",
        *describes,
        "--sfdx-objects",
        str(SALESFORCE_DATA / "sfdx" / "ebikes" / "objects"),
        "--tree",
        str(SALESFORCE_DATA / "trees" / "ebikes" / "sample-data-plan.json"),
        "--json",
    )
    counts = json.loads(out)
    assert counts
    with start_sfsim(data_dir) as sim:
        ebikes = next(i for i, c in enumerate(sim.credentials) if c.get("org_name") == "eBikes")
        sf = sf_client(sim, ebikes)
        served = sf.Account.describe()
        original = json.loads((SALESFORCE_DATA / "describe" / "Account.json").read_text())
        assert {(f["name"], f["type"]) for f in served["fields"]} >= {
            (f["name"], f["type"]) for f in original["fields"]
        }
        relationships = {
            (r["childSObject"], r["field"], r["cascadeDelete"], r["restrictedDelete"])
            for r in served["childRelationships"]
        }
        assert relationships >= {
            (r["childSObject"], r["field"], r["cascadeDelete"], r["restrictedDelete"])
            for r in original["childRelationships"]
        }
        families = {r["Id"] for r in sf.query_all("SELECT Id FROM Product_Family__c")["records"]}
        products = sf.query_all("SELECT Id, Product_Family__c FROM Product__c")["records"]
        assert products and families
        assert all(p["Product_Family__c"] in families for p in products)


def test_admin_switches_automations_clock_and_permissions(tmp_path):
    """On a private simulator: deactivate a validation rule through the Tooling API,
    purge the Recycle Bin by moving the clock, then take API access away."""
    with start_sfsim(tmp_path / "admin") as sim:
        session = sim.session()
        session.headers["Authorization"] = f"Bearer {sim.token()['access_token']}"
        base = f"{sim.base_url}/services/data/v{API_VERSION}"
        negative = {
            "Name": "Refund",
            "StageName": "Prospecting",
            "CloseDate": "2030-01-01",
            "Amount": -5,
        }
        refused = session.post(f"{base}/sobjects/Opportunity", json=negative)
        assert refused.status_code == 400
        assert refused.json()[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
        rules = session.get(
            f"{base}/tooling/query",
            params={"q": "SELECT Id, ValidationName, Active FROM ValidationRule"},
        ).json()["records"]
        rule = next(r for r in rules if r["ValidationName"] == "Amount_Not_Negative")
        assert rule["Active"] is True
        off = session.patch(
            f"{base}/tooling/sobjects/ValidationRule/{rule['Id']}", json={"Active": False}
        )
        assert off.status_code == 204
        assert session.post(f"{base}/sobjects/Opportunity", json=negative).status_code == 201

        account_id = session.post(f"{base}/sobjects/Account", json={"Name": "Binned"}).json()["id"]
        assert session.delete(f"{base}/sobjects/Account/{account_id}").status_code == 204
        soql = {"q": f"SELECT Id FROM Account WHERE Id = '{account_id}'"}  # noqa: S608
        assert session.get(f"{base}/queryAll", params=soql).json()["totalSize"] == 1
        sim.advance_clock(days=16)
        session.headers["Authorization"] = f"Bearer {sim.token()['access_token']}"
        assert session.get(f"{base}/queryAll", params=soql).json()["totalSize"] == 0

        admin = sim.credentials[0]["username"]
        sim.manage("permission", "--username", admin, "--name", "ApiEnabled", "--off")
        denied = session.get(f"{base}/limits")
        assert denied.status_code == 403
        assert denied.json()[0]["errorCode"] == "API_CURRENTLY_DISABLED"
        sim.manage("permission", "--username", admin, "--name", "ApiEnabled", "--on")
        assert session.get(f"{base}/limits").status_code == 200
