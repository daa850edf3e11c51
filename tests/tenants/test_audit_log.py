"""The security audit log: append-only, per tenant, with who, when, where and what."""

import pytest

from tenants.audit import Action, audit_record
from tenants.models import AuditEvent


@pytest.mark.django_db
def test_an_event_records_who_where_and_what(rf, admin_a):
    request = rf.post("/x/", REMOTE_ADDR="203.0.113.5")
    request.user = admin_a
    event = audit_record(
        tenant=admin_a.tenant,
        action=Action.IP_SETTINGS_CHANGED,
        request=request,
        target="Permitted IPs",
        detail={"networks": 2, "long": "x" * 1000},
    )
    event.refresh_from_db()
    assert event.actor == admin_a
    assert event.actor_email == "admin@a.example"
    assert event.address == "203.0.113.5"
    assert event.action == "ip.settings_changed"
    assert event.detail["networks"] == 2
    assert len(event.detail["long"]) == 200
    assert event.created_at is not None


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted_through_the_orm(admin_a):
    event = audit_record(tenant=admin_a.tenant, action=Action.SIGN_IN, actor=admin_a)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="nothing")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "sign_in.success"


@pytest.mark.django_db
def test_deleting_a_user_keeps_their_events_and_email(admin_a, user_a):
    audit_record(tenant=user_a.tenant, action=Action.SIGN_IN, actor=user_a)
    user_a.delete()
    event = AuditEvent.objects.get(action="sign_in.success")
    assert event.actor is None
    assert event.actor_email == "user@a.example"
