"""The audit log records each listed event exactly once, with who, when, from which
address and what, and another tenant never sees it."""

import pytest
from django.urls import reverse

from tenants.models import AuditEvent
from tests.fixtures.personas import PASSWORD, sign_in

HOME = "198.51.100.20"


def _events(tenant, action: str):
    return list(AuditEvent.objects.filter(tenant=tenant, action=action))


@pytest.mark.django_db
def test_sign_ins_success_and_failure_are_recorded_once(client, admin_a, outsider):
    client.post(reverse("tenants:sign_in"), {"org_name": "Tenant A"}, REMOTE_ADDR=HOME)
    client.post(
        reverse("tenants:sign_in_credentials"),
        {"email": admin_a.email, "password": "wrong-password-1"},
        REMOTE_ADDR=HOME,
    )
    client.post(
        reverse("tenants:sign_in_credentials"),
        {"email": "nobody@a.example", "password": "wrong-password-1"},
        REMOTE_ADDR=HOME,
    )
    sign_in(client, admin_a.tenant, admin_a.email, PASSWORD)

    failures = _events(admin_a.tenant, "sign_in.failure")
    assert [(e.actor, e.actor_email, e.address) for e in reversed(failures)] == [
        (admin_a, admin_a.email, HOME),
        (None, "nobody@a.example", HOME),
    ]
    (success,) = _events(admin_a.tenant, "sign_in.success")
    assert success.actor == admin_a and success.address == "127.0.0.1"
    assert not AuditEvent.objects.filter(tenant=outsider.tenant).exists()
    # The events name no password, right or wrong.
    for event in AuditEvent.objects.all():
        assert PASSWORD not in str(event.detail) and "wrong-password" not in str(event.detail)
