"""Identity's fixtures: the real OpenID Connect provider (django-oauth-toolkit, in its
own process on loopback, tests/identity/oidc_provider/), and helpers to go through it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.identity.oidc_provider.serve import CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[2]
CALLBACK_PATH = "/signin/sso/callback/"


@dataclass
class Provider:
    issuer: str
    client_secret: str = CLIENT_SECRET

    def session(self, username: str, password: str) -> requests.Session:
        """A requests session signed in at the provider (its own login page)."""
        session = requests.Session()
        login_url = self.issuer.rsplit("/o", 1)[0] + "/accounts/login/"
        page = session.get(login_url, timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None, page.text
        response = session.post(
            login_url,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": password,
            },
            headers={"Referer": login_url},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, "provider sign-in failed"
        return session


def start_provider(tmp_path: Path, redirect_uris: list[str]):
    log = tmp_path / "provider.log"  # its request log and any start-up error
    with log.open("w") as errors:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.identity.oidc_provider.serve",
                str(tmp_path),
                *redirect_uris,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        process.wait(timeout=10)
        raise RuntimeError(f"the test OIDC provider did not start:\n{log.read_text()[-2000:]}")
    return process, Provider(issuer=json.loads(line[len("READY ") :])["issuer"])


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The provider, for Django's test client (redirect URI on http://testserver)."""
    process, provider = start_provider(
        tmp_path_factory.mktemp("oidc"), [f"http://testserver{CALLBACK_PATH}"]
    )
    yield provider
    process.terminate()
    process.wait(timeout=10)


def provider_answer(session: requests.Session, authorize_url: str) -> str:
    """Follows the provider's authorization endpoint as a signed-in browser would and
    answers the path + query it redirects back to (our callback)."""
    response = session.get(authorize_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    location = urlsplit(response.headers["Location"])
    assert location.path == CALLBACK_PATH, response.headers["Location"]
    return f"{location.path}?{location.query}"
