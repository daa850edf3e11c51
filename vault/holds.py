"""Legal holds: while a hold is active nothing under it is deleted — not by retention,
not by purge, not by deleting the org's connection.

    hold = legal_hold_place(org=org, actor=user, reason="Case 2026-14")          # whole org
    legal_hold_place(org=org, actor=user, reason="...", object_name="Contact")  # one object
    legal_hold_place(org=org, actor=user, reason="...", object_name="Contact",
                     record_id="003...")                                        # one record
    legal_hold_lift(org=org, hold_id=hold.pk, actor=user, reason="Case closed")
    scope = held_scope(org=org)     # what retention and purge must leave alone

A hold is never deleted: lifting it records who, when and why on the same row, so the
list of holds is the audit. Only a tenant Admin places or lifts one.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from vault.models import LegalHold


@dataclass(frozen=True)
class HeldScope:
    """What active holds cover: the whole org, whole objects, or single records."""

    whole_org: bool = False
    objects: frozenset[str] = frozenset()
    records: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def covers(self, object_name: str, record_id: str) -> bool:
        return (
            self.whole_org
            or object_name in self.objects
            or (object_name, record_id) in self.records
        )

    @property
    def empty(self) -> bool:
        return not (self.whole_org or self.objects or self.records)


def _check_admin(org, actor) -> None:
    if actor.tenant_id != org.tenant_id or not actor.is_tenant_admin:
        raise PermissionDenied("Only an Admin of this organization can change legal holds.")


def legal_holds(*, org):
    """Every hold of the org, active and lifted, newest first."""
    return LegalHold.objects.filter(org=org).select_related("placed_by", "lifted_by")


def active_holds(*, org):
    return legal_holds(org=org).filter(lifted_at__isnull=True)


def held_scope(*, org) -> HeldScope:
    rows = list(active_holds(org=org).values_list("object_name", "record_id"))
    return HeldScope(
        whole_org=any(not obj for obj, _ in rows),
        objects=frozenset(obj for obj, rid in rows if obj and not rid),
        records=frozenset((obj, rid) for obj, rid in rows if obj and rid),
    )


@transaction.atomic
def legal_hold_place(
    *, org, actor, reason: str, object_name: str = "", record_id: str = ""
) -> LegalHold:
    _check_admin(org, actor)
    reason, object_name, record_id = reason.strip(), object_name.strip(), record_id.strip()
    if not reason:
        raise ValidationError("Say why the hold is placed (a case or request reference).")
    if record_id and not object_name:
        raise ValidationError("A hold on one record needs the record's object too.")
    if len(record_id) > 18 or len(object_name) > 120:
        raise ValidationError("That object name or record Id is too long.")
    hold = LegalHold.objects.create(
        org=org, object_name=object_name, record_id=record_id, reason=reason, placed_by=actor
    )
    _audit(org, actor, "legal_hold.placed", hold)
    return hold


def _audit(org, actor, action: str, hold: LegalHold) -> None:
    """The tenant's audit log too (ids and the object name; the reason stays on the row)."""
    from tenants.audit import audit_record

    audit_record(
        tenant=org.tenant_id,
        action=action,
        actor=actor,
        target=f"Org {org.pk}",
        detail={"hold": hold.pk, "object": hold.object_name, "record": hold.record_id},
    )


@transaction.atomic
def legal_hold_lift(*, org, hold_id: int, actor, reason: str) -> LegalHold:
    _check_admin(org, actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the hold is lifted; the reason is kept with the hold.")
    hold = get_object_or_404(LegalHold.objects.select_for_update(), org=org, pk=hold_id)
    if hold.lifted_at is not None:
        raise ValidationError("This hold was already lifted.")
    hold.lifted_at = timezone.now()
    hold.lifted_by = actor
    hold.lift_reason = reason
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    _audit(org, actor, "legal_hold.lifted", hold)
    return hold


def org_delete_refusals(*, org) -> list[str]:
    """orgs.hooks.org_delete_refusals receiver: an active hold blocks deleting the org."""
    holds = list(active_holds(org=org))
    if not holds:
        return []
    listed = "; ".join(
        f"{h.scope_phrase} (placed {h.placed_at:%Y-%m-%d}: {h.reason})" for h in holds
    )
    return [
        f"This org is under legal hold: {listed}. Nothing under a legal hold may be "
        "deleted; lift the hold in Settings → Retention & legal hold first."
    ]
