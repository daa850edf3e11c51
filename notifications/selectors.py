"""Reads for the notification pages, always through the caller's tenant (orgs.selectors
.org_get 404s a foreign org; the getters below 404 a foreign row)."""

from django.db.models import QuerySet
from django.http import Http404

from notifications.models import (
    AnomalyRule,
    CustomRule,
    DefaultNotification,
    Delivery,
    Recipient,
    Webhook,
)
from orgs.models import ObjectCatalogEntry, Org
from tenants.models import User


def _one(queryset: QuerySet, pk: int, what: str):
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404(f"No such {what} for this org.")
    return row


def recipient_get(*, org: Org, recipient_id: int) -> Recipient:
    return _one(Recipient.objects.filter(org=org), recipient_id, "recipient")


def rule_get(*, org: Org, rule_id: int) -> CustomRule:
    return _one(CustomRule.objects.filter(org=org), rule_id, "rule")


def anomaly_rule_get(*, org: Org, anomaly_rule_id: int) -> AnomalyRule:
    return _one(AnomalyRule.objects.filter(org=org), anomaly_rule_id, "anomaly rule")


def recipients(*, org: Org) -> list[Recipient]:
    return list(Recipient.objects.filter(org=org))


def tenant_emails(*, org: Org) -> list[str]:
    """Emails of the org's tenant users, offered when adding a recipient."""
    return list(
        User.objects.filter(tenant_id=org.tenant_id, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )


def enabled_defaults(*, org: Org) -> set[tuple[str, str]]:
    return set(DefaultNotification.objects.filter(org=org).values_list("operation", "event"))


def rules(*, org: Org) -> list[CustomRule]:
    return list(CustomRule.objects.filter(org=org))


def anomaly_rules(*, org: Org) -> list[AnomalyRule]:
    return list(AnomalyRule.objects.filter(org=org))


def webhook(*, org: Org) -> Webhook | None:
    return Webhook.objects.filter(org=org).first()


def deliveries(*, org: Org, status: str = "") -> QuerySet[Delivery]:
    queryset = Delivery.objects.filter(org=org).select_related("job")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def object_names(*, org: Org) -> list[str]:
    """The org's object catalog, offered when writing a rule."""
    return list(ObjectCatalogEntry.objects.filter(org=org).values_list("name", flat=True))
