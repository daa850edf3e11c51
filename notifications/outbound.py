"""The outbound-address guard moved to common/outbound.py (SSO and the Add Org form use
it too); notifications keeps importing these names from here."""

from common.outbound import REFUSED, OutboundRefused, check_outbound_url

__all__ = ["REFUSED", "OutboundRefused", "check_outbound_url"]
