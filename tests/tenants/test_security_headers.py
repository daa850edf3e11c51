"""Security headers: a Content-Security-Policy without inline script on every page,
HSTS once cookies are HTTPS-only, HTTPS recognised behind a proxy through
SECURE_PROXY_SSL_HEADER, and `check --deploy` clean with docs/production.env."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_header, env_networks

REPO = Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {words[0]: words[1:] for words in directives if words}


def _settings_process(
    extra_env: dict[str, str], code: tuple[str, ...], var_dir: Path
) -> subprocess.CompletedProcess:
    """A fresh process with only `extra_env` as settings (nothing a test set before)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ORGVAULT_VAR_DIR": str(var_dir),
        **extra_env,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, *code], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.django_db
def test_every_page_sends_a_policy_that_refuses_inline_script(client, client_admin_a):
    for response in [client.get("/signin/"), client.get("/signup/"), client_admin_a.get("/")]:
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in policy["default-src"]


def test_no_template_holds_an_inline_script():
    """Scripts load from static/ files; `<script type="application/json">` is data."""
    inline = []
    for path in (REPO / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text()):
            if "src=" not in tag and "application/json" not in tag:
                inline.append(f"{path.relative_to(REPO)}: {tag}")
    assert inline == []


@pytest.mark.django_db
def test_hsts_is_sent_over_https_behind_the_proxy(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    over_https = client.get("/signin/", HTTP_X_FORWARDED_PROTO="https")
    over_http = client.get("/signin/")

    assert over_https["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in over_http


def test_secure_cookies_turn_hsts_on_and_the_proxy_header_is_read_from_the_environment(tmp_path):
    show = (
        "-c",
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_PROXY_SSL_HEADER, s.TRUSTED_PROXIES)",
    )
    secure = _settings_process(
        {
            "SESSION_COOKIE_SECURE": "true",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto=https",
            "TRUSTED_PROXIES": "10.0.0.1, fd00::/8",
        },
        show,
        tmp_path,
    )
    plain = _settings_process({}, show, tmp_path)

    assert secure.stdout.strip() == (
        "31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') ['10.0.0.1/32', 'fd00::/8']"
    )
    assert plain.stdout.strip() == "0 False None []"


def test_check_deploy_with_the_documented_production_settings_prints_no_warning(tmp_path):
    documented = {}
    for line in (REPO / "docs" / "production.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            documented[name] = value
    assert {"SESSION_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXIES"} <= set(
        documented
    )
    # The placeholders, filled the way an operator would.
    documented |= {
        "SECRET_KEY": "kX3q-9vT_r8Lw2mZ7yB4nC6dF1gH5jK0pQsUeWaYcEiOuRtVbNmLzXcVbNm12",
        "ALLOWED_HOSTS": "orgvault.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://orgvault.example.com",
        "SITE_URL": "https://orgvault.example.com",
        "TRUSTED_PROXIES": "10.0.0.0/8",
    }

    result = _settings_process(documented, ("manage.py", "check", "--deploy"), tmp_path)

    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("raw", ["X-Forwarded-Proto", "=https", "X Forwarded=https"])
def test_a_malformed_proxy_header_setting_stops_the_start(monkeypatch, raw):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", raw)
    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER"):
        env_header("SECURE_PROXY_SSL_HEADER")


def test_trusted_proxies_must_be_addresses_or_ranges(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal")
    with pytest.raises(ImproperlyConfigured, match="'proxy.internal'"):
        env_networks("TRUSTED_PROXIES")
