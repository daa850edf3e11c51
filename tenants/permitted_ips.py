"""A tenant's permitted IPs: addresses and CIDR ranges (IPv4 and IPv6) from which its
users may reach any page. The client address follows tenants/client_ip.py's
trusted-proxy rule."""

import ipaddress
from functools import lru_cache

from django.core.exceptions import ValidationError

from tenants.client_ip import IPAddress, IPNetwork

MAX_NETWORKS = 200


def networks_parse(text: str) -> list[str]:
    """Lines (or commas) of addresses/CIDRs, normalised ("10.1.2.3/8" -> "10.0.0.0/8");
    ValidationError naming every entry that is not one."""
    entries = [item.strip() for item in text.replace(",", "\n").splitlines() if item.strip()]
    bad = []
    networks: list[str] = []
    for entry in entries:
        try:
            network = str(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            bad.append(entry)
            continue
        if network not in networks:
            networks.append(network)
    if bad:
        raise ValidationError(
            "Not an IP address or CIDR range: "
            + ", ".join(f"“{item[:60]}”" for item in bad[:5])
            + ". Write one per line, such as 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32."
        )
    if len(networks) > MAX_NETWORKS:
        raise ValidationError(f"List at most {MAX_NETWORKS} addresses or ranges.")
    return networks


@lru_cache(maxsize=256)
def _compiled(networks: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(line, strict=False) for line in networks.splitlines() if line)


def address_permitted(address: IPAddress | None, networks: str) -> bool:
    """Whether `address` is in the newline-separated `networks` (empty: everyone)."""
    compiled = _compiled(networks.strip())
    if not compiled:
        return True
    if address is None:
        return False
    return any(address.version == net.version and address in net for net in compiled)
