"""`DEMO_PORT=8100 make demo`: the public URL follows the demo's port, so connecting an
org through Add Salesforce Org sends Salesforce a callback on that port, and the
person's browser comes back to the demo's server and finishes the connection."""

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.urls import reverse

from common import crypto
from demo.history import DemoSimulator
from demo.management.commands.demo import web_environment
from orgs.models import Org
from tests.fixtures.personas import PASSWORD
from tests.orgs import browser

CALLBACK = reverse("orgs:oauth_callback")


def demo_settings(settings, sfsim, port: int) -> dict:
    """Django settings as the demo's web server reads them from its environment."""
    sim = DemoSimulator.from_credentials(sfsim.data_dir, sfsim.ca_path, sfsim.credentials[0])
    env = web_environment(port=port, sim=sim, base={})
    settings.SITE_URL = env["SITE_URL"]
    settings.SALESFORCE_CA_BUNDLE = env["SALESFORCE_CA_BUNDLE"]
    settings.SALESFORCE_CLIENT_ID = env["SALESFORCE_CLIENT_ID"]
    settings.SALESFORCE_CLIENT_SECRET = env["SALESFORCE_CLIENT_SECRET"]
    return env


def add_org_form(sfsim) -> dict:
    """Add Salesforce Org as a newcomer fills it in the demo: the simulator's login URL;
    the connected app and the CA are the server's own."""
    return {
        "name": "Second org",
        "org_type": "custom",
        "login_url": sfsim.base_url,
        "storage": "managed",
        "encryption_key": crypto.generate_tenant_key(),
        "client_id": "",
        "client_secret": "",
        "ca_bundle": "",
    }


def redirect_uri(authorize_url: str) -> str:
    return parse_qs(urlsplit(authorize_url).query)["redirect_uri"][0]


def test_demo_port_8100_is_the_callback_port_of_add_org(settings, sfsim, client_admin_a):
    env = demo_settings(settings, sfsim, 8100)
    assert env["SITE_URL"] == "http://127.0.0.1:8100"

    started = client_admin_a.post(reverse("orgs:add"), add_org_form(sfsim))
    assert started.status_code == 302, started.content.decode()
    assert redirect_uri(started["Location"]) == f"http://127.0.0.1:8100{CALLBACK}"

    creds = sfsim.credentials[0]
    outcome = browser.log_in(
        sfsim.session(), started["Location"], creds["username"], creds["password"], "allow"
    )
    assert outcome.response.status_code == 302, outcome.response.text
    assert outcome.response.headers["Location"].startswith(f"http://127.0.0.1:8100{CALLBACK}?")

    answer = client_admin_a.get(outcome.callback)
    org = Org.objects.get(name="Second org")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("orgs:get_started", args=[org.pk])
    assert org.status == Org.Status.CONNECTED and org.sf_org_id == creds["org_id"]


@pytest.mark.django_db(transaction=True)
def test_add_org_on_a_live_server_on_another_port_comes_back_and_connects(
    settings, sfsim, live_server, admin_a
):
    """The whole round trip over HTTP: sign in, Add Salesforce Org, the simulator's login
    and consent pages, and the browser following Salesforce's redirect to the server."""
    port = int(urlsplit(live_server.url).port)
    assert port != 8000
    base = demo_settings(settings, sfsim, port)["SITE_URL"]
    session = sfsim.session()  # one browser: the demo's pages and Salesforce's

    def submit(path: str, data: dict, **kwargs):
        page = session.get(urljoin(base, path), timeout=30)
        assert page.status_code == 200, page.text
        fields = browser.forms_of(page.text)[0]["fields"]
        return session.post(urljoin(base, path), data={**fields, **data}, timeout=30, **kwargs)

    submit(reverse("tenants:sign_in"), {"org_name": admin_a.tenant.name})
    signed_in = submit(
        reverse("tenants:sign_in_credentials"), {"email": admin_a.email, "password": PASSWORD}
    )
    assert signed_in.url == f"{base}{reverse('orgs:home')}", signed_in.url

    started = submit(reverse("orgs:add"), add_org_form(sfsim), allow_redirects=False)
    assert started.status_code == 302, started.text
    assert redirect_uri(started.headers["Location"]) == f"{base}{CALLBACK}"

    creds = sfsim.credentials[0]
    outcome = browser.log_in(
        session, started.headers["Location"], creds["username"], creds["password"], "allow"
    )
    back = outcome.response.headers["Location"]
    assert back.startswith(f"http://127.0.0.1:{port}{CALLBACK}?code=")

    landed = session.get(back, timeout=60)
    org = Org.objects.get(name="Second org")
    assert landed.status_code == 200
    assert landed.url == f"{base}{reverse('orgs:get_started', args=[org.pk])}"
    assert "Connected Second org." in landed.text
    assert org.status == Org.Status.CONNECTED and org.sf_org_id == creds["org_id"]
