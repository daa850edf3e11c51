"""Legal holds: placed and lifted by Admins with a reason (the row is the audit), and
while one is active the org's connection cannot be deleted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from orgs import settings_services
from orgs.models import Org
from tests.orgs.factories import make_org
from vault.holds import held_scope, legal_hold_lift, legal_hold_place
from vault.models import LegalHold


def test_place_and_lift_are_recorded_with_who_when_and_why(tenant_a, admin_a):
    org = make_org(tenant_a)
    hold = legal_hold_place(org=org, actor=admin_a, reason="  Case 2026-14  ")
    assert (hold.reason, hold.placed_by, hold.active) == ("Case 2026-14", admin_a, True)
    assert held_scope(org=org).whole_org

    with pytest.raises(ValidationError, match="Say why the hold is lifted"):
        legal_hold_lift(org=org, hold_id=hold.pk, actor=admin_a, reason=" ")
    lifted = legal_hold_lift(org=org, hold_id=hold.pk, actor=admin_a, reason="Case closed")
    row = LegalHold.objects.get(pk=hold.pk)
    assert (row.lifted_by, row.lift_reason, row.active) == (admin_a, "Case closed", False)
    assert row.lifted_at == lifted.lifted_at and row.lifted_at >= row.placed_at
    assert held_scope(org=org).empty
    with pytest.raises(ValidationError, match="already lifted"):
        legal_hold_lift(org=org, hold_id=hold.pk, actor=admin_a, reason="again")
    # Both are in the tenant's audit log too, without the free-text reasons.
    from tenants.models import AuditEvent

    events = list(
        AuditEvent.objects.filter(tenant=tenant_a, action__startswith="legal_hold.")
        .order_by("pk")
        .values_list("action", "detail")
    )
    assert [a for a, _ in events] == ["legal_hold.placed", "legal_hold.lifted"]
    assert all(d["hold"] == hold.pk and "Case" not in str(d) for _, d in events)


def test_object_and_record_holds_cover_only_themselves(tenant_a, admin_a):
    org = make_org(tenant_a)
    legal_hold_place(org=org, actor=admin_a, reason="r", object_name="Contact")
    legal_hold_place(
        org=org, actor=admin_a, reason="r", object_name="Account", record_id="001000000000001AAA"
    )
    scope = held_scope(org=org)
    assert not scope.whole_org
    assert scope.covers("Contact", "003000000000009AAA")
    assert scope.covers("Account", "001000000000001AAA")
    assert not scope.covers("Account", "001000000000002AAA")
    with pytest.raises(ValidationError, match="needs the record's object"):
        legal_hold_place(org=org, actor=admin_a, reason="r", record_id="001000000000001AAA")
    with pytest.raises(ValidationError, match="Say why"):
        legal_hold_place(org=org, actor=admin_a, reason="")


def test_only_an_admin_of_the_orgs_tenant_places_or_lifts(tenant_a, admin_a, user_a, outsider):
    org = make_org(tenant_a)
    for actor in (user_a, outsider):
        with pytest.raises(PermissionDenied):
            legal_hold_place(org=org, actor=actor, reason="r")
    hold = legal_hold_place(org=org, actor=admin_a, reason="r")
    for actor in (user_a, outsider):
        with pytest.raises(PermissionDenied):
            legal_hold_lift(org=org, hold_id=hold.pk, actor=actor, reason="x")
    assert LegalHold.objects.get().active


def test_org_deletion_is_refused_under_hold_until_it_is_lifted(
    client_admin_a, tenant_a, admin_a, settings, tmp_path
):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    org = make_org(tenant_a)
    hold = legal_hold_place(org=org, actor=admin_a, reason="Case 2026-14", object_name="Contact")
    url = reverse("orgs:settings_delete", args=[org.pk])

    response = client_admin_a.post(url, {"delete-confirm_name": "Production"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "This org is under legal hold: object Contact" in page
    assert "Case 2026-14" in page and "lift the hold" in page
    assert Org.objects.filter(pk=org.pk).exists()
    with pytest.raises(settings_services.OrgDeleteRefused, match="under legal hold"):
        settings_services.org_delete(org=org, actor=admin_a)

    legal_hold_lift(org=org, hold_id=hold.pk, actor=admin_a, reason="Case closed")
    response = client_admin_a.post(url, {"delete-confirm_name": "Production"})
    assert response.status_code == 302
    assert not Org.objects.filter(pk=org.pk).exists()
