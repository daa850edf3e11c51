"""Reads for orgs, always scoped to the caller's tenant."""

from django.db.models import Count, QuerySet
from django.http import Http404

from orgs.models import ObjectCatalogEntry, Org
from tenants.models import Tenant


def org_list(*, tenant: Tenant | None) -> QuerySet[Org]:
    """The tenant's orgs, by name (none for a user without a tenant)."""
    if tenant is None:
        return Org.objects.none()
    return Org.objects.filter(tenant=tenant).order_by("name", "pk")


def org_get(*, tenant: Tenant | None, org_id: int) -> Org:
    """One of the tenant's orgs, or 404: another tenant's id must not leak."""
    org = Org.objects.filter(tenant=tenant, pk=org_id).first() if tenant is not None else None
    if org is None:
        raise Http404("No such org in your organization.")
    return org


def catalog_counts(*, org: Org) -> list[tuple[str, int]]:
    """(category label, number of objects) for the org's catalog, in the choices' order."""
    counts = dict(
        ObjectCatalogEntry.objects.filter(org=org)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    return [
        (label, counts[value])
        for value, label in ObjectCatalogEntry.Category.choices
        if counts.get(value)
    ]


def catalog_entries(*, org: Org, category: str | None = None) -> QuerySet[ObjectCatalogEntry]:
    entries = ObjectCatalogEntry.objects.filter(org=org)
    if category is not None:
        entries = entries.filter(category=category)
    return entries.order_by("name")
