"""The client address: X-Forwarded-For is believed only from TRUSTED_PROXIES, and the
sign-in rate limits (product and Django admin) count by that address."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tenants.client_ip import client_ip

PROXY = "10.0.0.5"


def _ip(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip("198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_a_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip("198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_the_right_most_untrusted_hop_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    # The client forged "1.2.3.4"; our two proxies appended the real hops.
    assert _ip(PROXY, "1.2.3.4, 203.0.113.9, 10.0.0.9") == "203.0.113.9"
    assert _ip("fd00::1", "2001:db8::42") == "2001:db8::42"
    assert _ip(PROXY, "[2001:db8::7]:4431") == "2001:db8::7"
    assert _ip(PROXY, "203.0.113.9:52100") == "203.0.113.9"


def test_garbage_or_no_header_leaves_the_last_trusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip(PROXY, "not-an-ip, 10.0.0.9") == "10.0.0.9"
    assert _ip(PROXY) == PROXY
    assert _ip(PROXY, "10.0.0.1, 10.0.0.2") == "10.0.0.1"


def test_ipv4_mapped_ipv6_is_read_as_ipv4(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip("::ffff:10.0.0.5", "203.0.113.9") == "203.0.113.9"


def _sign_in_via_proxy(client: Client, tenant, email: str, password: str, forwarded: str):
    headers = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}
    client.post(reverse("tenants:sign_in"), {"org_name": tenant.name}, **headers)
    return client.post(
        reverse("tenants:sign_in_credentials"), {"email": email, "password": password}, **headers
    )


@pytest.mark.django_db
def test_failures_behind_the_proxy_lock_out_only_the_attacking_address(settings, admin_a):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/ip,5/5m/key"}
    attacker = Client()
    for n in range(3):
        _sign_in_via_proxy(attacker, admin_a.tenant, f"x{n}@a.example", "Wrong-pass-1", "6.6.6.6")

    blocked = _sign_in_via_proxy(
        attacker, admin_a.tenant, admin_a.email, "Persona-pass-1", "6.6.6.6"
    )
    honest = _sign_in_via_proxy(
        Client(), admin_a.tenant, admin_a.email, "Persona-pass-1", "7.7.7.7"
    )

    assert blocked.status_code == 429
    assert honest.status_code == 302


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_header_does_not_dodge_the_limit(settings, admin_a):
    settings.TRUSTED_PROXIES = []
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/ip,5/5m/key"}
    attacker = Client()
    for n in range(3):
        _sign_in_via_proxy(
            attacker, admin_a.tenant, f"x{n}@a.example", "Wrong-pass-1", f"6.6.6.{n}"
        )

    again = _sign_in_via_proxy(attacker, admin_a.tenant, admin_a.email, "Persona-pass-1", "8.8.8.8")

    assert again.status_code == 429


@pytest.mark.django_db
def test_the_admin_sign_in_counts_by_the_same_client_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/ip,50/5m/key"}
    url = reverse("admin:login")
    for n in range(3):
        Client().post(
            url,
            {"username": f"nobody{n}", "password": "Wrong-pass-1"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="6.6.6.6",
        )

    attacker = Client().post(
        url,
        {"username": "other", "password": "x"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    honest = Client().post(
        url,
        {"username": "other", "password": "x"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="7.7.7.7",
    )

    assert attacker.status_code == 429
    assert honest.status_code == 200
