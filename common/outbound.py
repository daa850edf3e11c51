"""Outbound URLs typed by users (webhooks, SSO discovery URLs, login and S3 endpoints):
refuse the server's own networks.

A URL must be http(s) and every address its host resolves to must be public:
loopback, private, link-local, multicast, reserved and unspecified addresses are
refused unless `settings.OUTBOUND_ALLOW_PRIVATE` is on (tests, a receiver on the LAN).
The check runs when the URL is saved and again before each POST (the name may have
been pointed elsewhere since); redirects are never followed.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

REFUSED = (
    "Enter a public http:// or https:// URL: this one does not resolve to a public "
    "address (loopback, private and link-local networks are refused)."
)


class OutboundRefused(ValueError):
    def __init__(self) -> None:
        super().__init__(REFUSED)


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_outbound_url(url: str) -> str:
    """The URL if it may be called; OutboundRefused (one message for every reason) if not."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundRefused() from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused()
    addresses = _addresses(parts.hostname, port)
    if not addresses:
        raise OutboundRefused()
    if not settings.OUTBOUND_ALLOW_PRIVATE and not all(_is_public(a) for a in addresses):
        raise OutboundRefused()
    return url
