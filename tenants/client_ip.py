"""The client's address, believing X-Forwarded-For only from settings.TRUSTED_PROXIES.

A request whose connection (REMOTE_ADDR) comes from a trusted proxy is walked back
through X-Forwarded-For from the right: each proxy appends the address it received the
request from, so the first address that is not a trusted proxy is the client. Any
other request's header is ignored (anyone can send one), and so is everything left of
the client address. Used by the sign-in rate limits (through tenants.adapter), the
permitted-IP check and the audit log.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.9:52100"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(request: HttpRequest) -> IPAddress | None:
    """The client's address, or None when the connection's own address is unreadable."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if peer is None or not networks or not _trusted(peer, networks):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    client = peer
    for hop in reversed([item for item in forwarded if item.strip()]):
        address = _address(hop)
        if address is None:  # garbage from beyond our proxies: stop at the last good hop
            break
        client = address
        if not _trusted(address, networks):
            break
    return client


def client_ip(request: HttpRequest) -> str:
    """`client_address` as text ('' when unknown)."""
    address = client_address(request)
    return str(address) if address is not None else ""
