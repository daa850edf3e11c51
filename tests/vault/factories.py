"""Vault rows for the tenant-isolation walk."""

from vault.models import LegalHold


def isolation_hold(a) -> LegalHold:
    """A hold on tenant A's org (on one object, so it blocks nothing else the walk does)."""
    return LegalHold.objects.create(
        org=a.org, object_name="Account", reason="isolation walk", placed_by=a.admin
    )
