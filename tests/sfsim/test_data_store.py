# ruff: noqa: S608  (SOQL text built in tests)
import pytest

from sfsim.errors import SalesforceError
from sfsim.loaders import load
from sfsim.store import Simulator

from .data_helpers import make_world, records


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)


def _client(world):
    return world.sim.credentials()[0]


def test_tokens_issue_refresh_expire_and_revoke(world):
    sim, org, admin = world.sim, world.org, world.admin
    creds = _client(world)
    body = sim.issue_tokens(org, admin, creds["client_id"])
    assert body["token_type"] == "Bearer" and body["id"].endswith(admin.id)
    assert body["access_token"].startswith(org.org_id[:15] + "!")
    assert sim.authenticate_token(body["access_token"]) == (org, admin)
    sim.token_lifetime_seconds = 60
    short = sim.issue_tokens(org, admin, creds["client_id"])
    sim.clock.advance(seconds=61)
    with pytest.raises(SalesforceError) as err:
        sim.authenticate_token(short["access_token"])
    assert (err.value.error_code, err.value.status) == ("INVALID_SESSION_ID", 401)
    assert err.value.to_json()[0]["message"] == "Session expired or invalid"
    fresh = sim.refresh(short["refresh_token"], creds["client_id"], creds["client_secret"])
    assert sim.authenticate_token(fresh["access_token"])[1] == admin
    with pytest.raises(SalesforceError) as err:
        sim.refresh(short["refresh_token"], creds["client_id"], "wrong secret")
    assert err.value.error_code == "invalid_client"
    sim.revoke(short["refresh_token"])
    with pytest.raises(SalesforceError):
        sim.authenticate_token(fresh["access_token"])
    with pytest.raises(SalesforceError) as err:
        sim.refresh(short["refresh_token"], creds["client_id"], None)
    assert err.value.error_code == "invalid_grant"


def test_connected_app_and_user_lookup(world):
    creds = _client(world)
    org, app = world.sim.find_client(creds["client_id"])
    assert org.org_id == world.org.org_id
    assert app.accepts_redirect("http://127.0.0.1:8000/orgs/oauth/callback")
    assert app.accepts_redirect("https://localhost/cb")
    assert not app.accepts_redirect("https://evil.example.com/cb")
    assert world.sim.find_user("ADMIN@sfsim.sfsim")[1] == world.admin
    assert world.sim.find_user("nobody@x") is None
    assert world.sim.find_client("nope") is None


def test_api_limit_counts_down_and_is_enforced(world):
    org = world.org
    org.set_daily_api_limit(3)
    assert org.consume_api_request() == (1, 3)
    org.consume_api_request()
    assert org.limits()["DailyApiRequests"] == {"Max": 3, "Remaining": 1}
    org.consume_api_request()
    with pytest.raises(SalesforceError) as err:
        org.consume_api_request()
    assert (err.value.error_code, err.value.status) == ("REQUEST_LIMIT_EXCEEDED", 403)
    limits = org.limits()
    for name in (
        "DailyBulkV2QueryJobs",
        "DailyBulkV2QueryFileStorageMB",
        "DailyBulkApiBatches",
        "DataStorageMB",
        "FileStorageMB",
    ):
        assert set(limits[name]) == {"Max", "Remaining"}
    world.sim.clock.advance(days=1)
    assert org.limits()["DailyApiRequests"] == {"Max": 3, "Remaining": 3}


def test_state_survives_a_restart(tmp_path):
    world = make_world(tmp_path)
    account = world.org.create("Account", {"Name": "Durable"}, world.admin)
    world.sim.clock.advance(days=2)
    world.org.set_daily_api_limit(50)
    world.org.consume_api_request()
    token = world.sim.issue_tokens(world.org, world.admin, _client(world)["client_id"])
    world.org.delete(account, world.admin)
    moved = world.sim.clock.now()

    again = Simulator(tmp_path)
    org = again.ensure_default_org()
    assert org.org_id == world.org.org_id and len(again.orgs()) == 1
    assert again.authenticate_token(token["access_token"])[1].id == world.admin.id
    assert abs((again.clock.now() - moved).total_seconds()) < 5
    assert org.limits()["DailyApiRequests"] == {"Max": 50, "Remaining": 49}
    rows = records(org, "SELECT Id, IsDeleted FROM Account", None, include_deleted=True)
    assert rows[0]["Id"] == account and rows[0]["IsDeleted"] is True
    next_id = org.create("Account", {"Name": "After restart"}, None)
    assert next_id > account


def test_several_orgs_are_kept_apart(tmp_path):
    sim = Simulator(tmp_path)
    first = sim.ensure_default_org()
    second = sim.create_org(name="Sandbox Two", is_sandbox=True)
    assert first.org_id != second.org_id and second.is_sandbox
    users = {c["username"]: c["org_id"] for c in sim.credentials()}
    assert users["admin@sandbox-two.sfsim"] == second.org_id
    a1 = first.create("Account", {"Name": "One"}, None)
    a2 = second.create("Account", {"Name": "Two"}, None)
    assert a1[:3] == a2[:3] == "001" and a1 != a2
    assert [r["Name"] for r in records(second, "SELECT Name FROM Account", None)] == ["Two"]


def test_generate_is_deterministic_with_valid_references(tmp_path):
    counts = []
    names = []
    for run in ("a", "b"):
        sim = Simulator(tmp_path / run)
        org = sim.ensure_default_org()
        counts.append(load(sim, org, generate=3000, seed=7))
        names.append([r["Name"] for r in records(org, "SELECT Name FROM Account LIMIT 50", None)])
    assert counts[0] == counts[1] and names[0] == names[1]
    total = sum(v for k, v in counts[0].items() if k != "objects")
    assert 2700 <= total <= 3300
    assert {
        "Account",
        "Contact",
        "Opportunity",
        "OpportunityLineItem",
        "Case",
        "Lead",
        "Task",
        "Event",
        "Campaign",
        "CampaignMember",
    } <= set(counts[0])
    orphans = records(
        org, "SELECT Id FROM Contact WHERE AccountId NOT IN (SELECT Id FROM Account)", None
    )
    assert orphans == []
    case = records(
        org, "SELECT Account.Name, Contact.AccountId, AccountId FROM Case LIMIT 1", None
    )[0]
    assert case["Contact"]["AccountId"] == case["AccountId"] and case["Account"]["Name"]
    hot = records(org, "SELECT Rating FROM Account WHERE AnnualRevenue > 10000000", None)
    assert {r["Rating"] for r in hot} == {"Hot"}
    with pytest.raises(SalesforceError):
        org.delete(case["AccountId"], None)  # restricted by its cases
