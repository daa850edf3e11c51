"""The audit log records each listed event exactly once, with who, when, from which
address and what, and another tenant never sees it."""

import pytest
from django.urls import reverse

from tenants.models import AuditEvent
from tests.backups.conftest import vault_storage  # noqa: F401 — fixture
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


@pytest.mark.django_db
def test_user_password_and_settings_changes_are_recorded_once(
    client, client_admin_a, admin_a, user_a, outsider, mailoutbox
):
    from tenants.tokens import encode_uid, password_reset_token

    client_admin_a.post(reverse("tenants:user_create"), {"email": "new@a.example", "role": "user"})
    client_admin_a.post(reverse("tenants:user_detail", args=[user_a.pk]), {"role": "admin"})
    client_admin_a.post(reverse("tenants:user_deactivate", args=[user_a.pk]))
    client_admin_a.post(reverse("tenants:user_reactivate", args=[user_a.pk]))
    client_admin_a.post(
        reverse("tenants:permitted_ips"), {"networks": "127.0.0.1\n198.51.100.0/24"}
    )
    client_admin_a.post(
        reverse("tenants:organization"), {"org_name": "Tenant A2", "time_zone": "Europe/Paris"}
    )
    user_a.refresh_from_db()
    link = reverse(
        "tenants:password_reset",
        kwargs={"uidb64": encode_uid(user_a), "token": password_reset_token.make_token(user_a)},
    )
    new_password = "Brand-new-pass-42"
    client.post(link, {"password": new_password, "confirm_password": new_password})

    expected = {
        "user.invited": ("new@a.example", {"role": "user"}),
        "user.role_changed": (user_a.email, {"from": "user", "to": "admin"}),
        "user.deactivated": (user_a.email, {}),
        "user.reactivated": (user_a.email, {}),
        "organization.changed": (
            "",
            {
                "name": {"from": "Tenant A", "to": "Tenant A2"},
                "time_zone": {"from": "UTC", "to": "Europe/Paris"},
            },
        ),
    }
    for action, (target, detail) in expected.items():
        (event,) = _events(admin_a.tenant, action)
        assert (event.target, event.detail, event.actor) == (target, detail, admin_a), action
        assert event.address == "127.0.0.1"
    (ips,) = _events(admin_a.tenant, "ip.settings_changed")
    assert ips.detail["to"] == ["127.0.0.1/32", "198.51.100.0/24"] and ips.detail["from"] == []
    (password,) = _events(admin_a.tenant, "password.changed")
    assert password.actor == user_a
    assert new_password not in str(password.detail)
    assert not AuditEvent.objects.filter(tenant=outsider.tenant).exists()


@pytest.mark.django_db
def test_the_audit_log_page_filters_downloads_and_shows_no_other_tenant(
    client_admin_a, client_user_a, client_outsider, admin_a, user_a, outsider
):
    from tenants.audit import audit_record

    audit_record(tenant=admin_a.tenant, action="sign_in.success", actor=admin_a)
    audit_record(tenant=admin_a.tenant, action="sign_in.failure", actor_email="=cmd|x")
    audit_record(tenant=admin_a.tenant, action="org.connected", actor=admin_a, target="Org 7")
    audit_record(tenant=outsider.tenant, action="org.connected", actor=outsider, target="Org 99")
    url = reverse("tenants:audit_log")

    page = client_admin_a.get(url).content.decode()
    assert "Org connected" in page and "Org 7" in page and "Signed in" in page
    assert "Org 99" not in page and outsider.email not in page
    only_sign_ins = client_admin_a.get(url, {"action": "sign_in."}).content.decode()
    assert "Sign-in failed" in only_sign_ins and "Org 7" not in only_sign_ins
    by_user = client_admin_a.get(url, {"actor": "admin@"}).content.decode()
    assert "Org 7" in by_user and "=cmd" not in by_user
    bad_dates = client_admin_a.get(url, {"since": "2026-05-02", "until": "2026-05-01"})
    assert "The end date is before the start date." in bad_dates.content.decode()

    csv_response = client_admin_a.get(reverse("tenants:audit_log_csv"), {"action": "sign_in."})
    assert csv_response["Content-Type"].startswith("text/csv")
    text = b"".join(csv_response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0] == "time,action,label,user,address,target,detail"
    assert len(lines) == 3 and "'=cmd|x" in text  # a formula is not left to run
    assert "Org 99" not in text
    assert len(_events(admin_a.tenant, "audit.downloaded")) == 1

    other = client_outsider.get(url).content.decode()
    assert "Org 7" not in other and "Org 99" in other
    assert client_user_a.get(url).status_code == 403
    assert client_user_a.get(reverse("tenants:audit_log_csv")).status_code == 403


@pytest.mark.django_db
def test_deleting_an_org_is_recorded_once(client_admin_a, admin_a, vault_storage):  # noqa: F811
    from orgs.models import Org
    from tests.orgs.factories import make_org

    org = make_org(admin_a.tenant)
    response = client_admin_a.post(
        reverse("orgs:settings_delete", args=[org.pk]), {"delete-confirm_name": org.name}
    )
    assert response.status_code == 302
    assert not Org.objects.filter(pk=org.pk).exists()
    (deleted,) = _events(admin_a.tenant, "org.deleted")
    assert deleted.actor == admin_a and deleted.target == f"Org {org.pk}"
    assert deleted.detail["name"] == org.name


@pytest.mark.django_db
def test_a_restore_results_download_is_recorded_once(client_user_a, user_a, outsider):
    from tests.orgs.factories import make_org
    from tests.restores.factories import make_request, make_run

    org = make_org(user_a.tenant)
    job = make_run(make_request(org))
    response = client_user_a.get(reverse("restores:job_results_csv", args=[org.pk, job.pk]))
    assert b"".join(response.streaming_content).startswith(b"Object,")
    (download,) = _events(user_a.tenant, "download")
    assert (download.actor, download.target) == (user_a, f"Job {job.pk}")
    assert download.detail == {"org": org.pk, "file": f"job-{job.pk}-restore-results.csv"}
    # Record data (Ids, error messages) stays in the file, not in the log.
    assert "001000000000" not in str(download.detail)
    assert not AuditEvent.objects.filter(tenant=outsider.tenant).exists()
