"""Settings → Retention & legal hold: read by the tenant, changed by Admins only; the
preview says what a policy would delete before it is saved; holds are placed and lifted
with their reasons shown."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.vault.test_vault import FIELDS, rec
from vault.models import LegalHold, RetentionPolicy, Snapshot
from vault.services import ObjectWriter, snapshot_begin, snapshot_publish


def url(org, name="retention", *args):
    return reverse(f"vault:{name}", args=[org.pk, *args])


def old_history(org, data_key, make_job, days=10):
    for day in range(days):
        job = make_job()
        snapshot = snapshot_begin(org=org, job=job)
        ObjectWriter(
            snapshot=snapshot, object_name="Account", fields=FIELDS, data_key=data_key, job=job
        ).write([rec("A1", f"day {day}")])
        snapshot_publish(snapshot=snapshot)
        Snapshot.objects.filter(pk=snapshot.pk).update(
            published_at=timezone.now() - timedelta(days=days - day)
        )


def test_the_page_shows_policy_holds_and_checks(client_user_a, vault_org, admin_a):
    LegalHold.objects.create(org=vault_org, reason="Case 2026-14", placed_by=admin_a)
    response = client_user_a.get(url(vault_org))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Keep every version forever" in page
    assert "The whole org" in page and "Case 2026-14" in page and "admin@a.example" in page
    assert "No check has run yet." in page
    # A User reads; the forms are an Admin's.
    assert "Place legal hold" not in page and "Save policy" not in page


def test_preview_shows_what_would_go_and_saves_nothing(
    client_admin_a, vault_org, data_key, make_job
):
    old_history(vault_org, data_key, make_job)
    data = {
        "policy-mode": "days",
        "policy-keep_days": "3",
        "policy-daily_days": "30",
        "policy-weekly_weeks": "12",
        "policy-monthly_months": "24",
        "preview": "1",
    }
    response = client_admin_a.post(url(vault_org, "retention_policy"), data)
    assert response.status_code == 200
    page = response.content.decode()
    # Days 0..7 were published 3 days ago or earlier: past the 3-day window.
    assert "the next sweep would delete 8 backup snapshots, 8 record versions" in page
    assert "Account: 8" in page
    assert not RetentionPolicy.objects.filter(org=vault_org).exists()

    del data["preview"]
    data["save"] = "1"
    response = client_admin_a.post(url(vault_org, "retention_policy"), data, follow=True)
    policy = RetentionPolicy.objects.get(org=vault_org)
    assert (policy.mode, policy.keep_days, policy.keep_latest) == ("days", 3, False)
    assert "Saved the retention policy" in response.content.decode()


def test_a_bad_policy_is_explained(client_admin_a, vault_org):
    response = client_admin_a.post(
        url(vault_org, "retention_policy"),
        {
            "policy-mode": "gfs",
            "policy-keep_days": "1",
            "policy-daily_days": "0",
            "policy-weekly_weeks": "0",
            "policy-monthly_months": "0",
            "save": "1",
        },
    )
    assert response.status_code == 400
    assert "Keep at least one of daily, weekly or monthly snapshots." in response.content.decode()
    assert not RetentionPolicy.objects.exists()


def test_place_and_lift_a_hold_through_the_page(client_admin_a, vault_org, admin_a):
    response = client_admin_a.post(
        url(vault_org, "hold_place"),
        {"hold-object_name": "Contact", "hold-reason": "Case 9"},
        follow=True,
    )
    assert "Legal hold placed on object Contact." in response.content.decode()
    hold = LegalHold.objects.get()
    assert (hold.object_name, hold.reason, hold.placed_by) == ("Contact", "Case 9", admin_a)

    response = client_admin_a.post(url(vault_org, "hold_lift", hold.pk), {}, follow=True)
    assert "Say why the hold is lifted" in response.content.decode()
    assert LegalHold.objects.get().active

    response = client_admin_a.post(
        url(vault_org, "hold_lift", hold.pk), {"reason": "Settled"}, follow=True
    )
    page = response.content.decode()
    assert "Legal hold on object Contact lifted." in page and "Settled" in page
    assert LegalHold.objects.get().lift_reason == "Settled"


def test_a_hold_needs_a_reason(client_admin_a, vault_org):
    response = client_admin_a.post(url(vault_org, "hold_place"), {"hold-object_name": "X"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not LegalHold.objects.exists()


def test_users_cannot_change_anything(client_user_a, vault_org, admin_a):
    hold = LegalHold.objects.create(org=vault_org, reason="r", placed_by=admin_a)
    assert client_user_a.post(url(vault_org, "hold_place"), {"hold-reason": "x"}).status_code == 403
    lift = client_user_a.post(url(vault_org, "hold_lift", hold.pk), {"reason": "x"})
    assert lift.status_code == 403
    assert LegalHold.objects.get().active


def test_another_tenants_hold_is_404(client_admin_a, vault_org, tenant_b, admin_a):
    from tests.orgs.factories import make_org

    other = make_org(tenant_b, name="B org")
    hold = LegalHold.objects.create(org=other, reason="theirs")
    # Through tenant A's own org id, B's hold id is not found either.
    response = client_admin_a.post(url(vault_org, "hold_lift", hold.pk), {"reason": "x"})
    assert response.status_code == 404
    assert LegalHold.objects.get(pk=hold.pk).active
