"""TOTP MFA through the pages, with real RFC 6238 codes computed from the device's
secret (tests/fixtures/mfa.py): enrolment, sign-in, one step of clock drift, replay,
recovery codes, removal and an Admin's reset, the "MFA required" policy, and staff."""

import re
import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity import mfa, services
from tenants.models import AuditEvent
from tests.fixtures.mfa import mfa_verified, totp_code
from tests.fixtures.personas import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle_delay(settings):
    # django-otp delays the next try after a wrong code; these tests try again at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def enrol(client) -> tuple[str, list[str]]:
    """Sets up the app through the pages: answers the base32 secret and recovery codes."""
    page = client.get(reverse("identity:mfa_enrol")).content.decode()
    assert "<svg" in page  # the QR code, drawn inline
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post(reverse("identity:mfa_enrol"), {"code": totp_code(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", response.content.decode())
    return secret, codes


def device_of(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def test_enrolment_needs_a_right_first_code_and_shows_ten_recovery_codes(client, admin_a):
    client.force_login(admin_a)
    page = client.get(reverse("identity:mfa_enrol")).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    assert (
        "not right" in client.post(reverse("identity:mfa_enrol"), {"code": wrong}).content.decode()
    )
    assert not TOTPDevice.objects.filter(user=admin_a, confirmed=True).exists()

    # The same pending secret is kept while the page is reloaded.
    again = client.get(reverse("identity:mfa_enrol")).content.decode()
    assert f'id="totp-secret">{secret}<' in again
    response = client.post(reverse("identity:mfa_enrol"), {"code": totp_code(secret)})
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", response.content.decode())
    assert len(set(codes)) == 10
    assert device_of(admin_a)
    assert response.wsgi_request.user.is_verified()
    # Shown once: the Security page says how many are left, never the codes.
    security = client.get(reverse("identity:account_security")).content.decode()
    assert "Recovery codes left: <strong>10</strong>" in security
    assert codes[0] not in security
    assert AuditEvent.objects.filter(tenant=admin_a.tenant, action="mfa.enrolled").count() == 1


def test_sign_in_with_a_device_asks_for_the_code_before_anything_else(client, admin_a):
    client.force_login(admin_a)
    secret, _ = enrol(client)
    client.post(reverse("tenants:sign_out"))

    assert sign_in(client, admin_a.tenant, admin_a.email, PASSWORD).status_code == 302
    home = client.get(reverse("orgs:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("identity:mfa_verify"))
    assert client.get(reverse("tenants:users"))["Location"].startswith(
        reverse("identity:mfa_verify")
    )
    # The previous step's code was already used at enrolment: a replay is refused.
    device_of(admin_a).refresh_from_db()
    replay = client.post(reverse("identity:mfa_verify"), {"code": totp_code(secret)})
    assert "already used" in replay.content.decode()
    assert client.get(reverse("orgs:home")).status_code == 302

    later = time.time() + 30  # the app's next code
    device = device_of(admin_a)
    device.last_t = int(later // 30) - 1  # ...as if the enrolment code were the previous step
    device.save(update_fields=["last_t"])
    response = client.post(
        reverse("identity:mfa_verify") + "?next=/users/", {"code": totp_code(secret, at=later)}
    )
    assert response.status_code == 302 and response["Location"] == "/users/"
    assert client.get(reverse("orgs:home")).status_code == 200
    events = AuditEvent.objects.filter(tenant=admin_a.tenant)
    assert events.filter(action="sign_in.mfa").count() == 1
    assert events.filter(action="sign_in.mfa_failure").count() == 1


def test_one_step_of_clock_drift_is_accepted_two_are_not(client, user_a):
    device = TOTPDevice.objects.create(user=user_a, name="app", confirmed=True)
    client.force_login(user_a)
    now = time.time()
    url = reverse("identity:mfa_verify")
    two_behind = client.post(url, {"code": totp_code(device.bin_key, at=now - 60)})
    assert two_behind.status_code == 200 and "not right" in two_behind.content.decode()
    two_ahead = client.post(url, {"code": totp_code(device.bin_key, at=now + 60)})
    assert two_ahead.status_code == 200
    one_behind = client.post(url, {"code": totp_code(device.bin_key, at=now - 30)})
    assert one_behind.status_code == 302
    assert client.get(reverse("orgs:home")).status_code == 200


def test_a_code_is_accepted_once(client, user_a):
    device = TOTPDevice.objects.create(user=user_a, name="app", confirmed=True)
    code = totp_code(device.bin_key)
    client.force_login(user_a)
    assert client.post(reverse("identity:mfa_verify"), {"code": code}).status_code == 302

    other = client.__class__()
    other.force_login(user_a)
    replay = other.post(reverse("identity:mfa_verify"), {"code": code})
    assert replay.status_code == 200 and "already used" in replay.content.decode()
    assert other.get(reverse("orgs:home")).status_code == 302


def test_each_recovery_code_signs_in_once(client, admin_a):
    client.force_login(admin_a)
    _, codes = enrol(client)
    client.post(reverse("tenants:sign_out"))

    sign_in(client, admin_a.tenant, admin_a.email)
    assert client.post(reverse("identity:mfa_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("orgs:home")).status_code == 200
    assert StaticToken.objects.filter(device__user=admin_a).count() == 9
    client.post(reverse("tenants:sign_out"))

    sign_in(client, admin_a.tenant, admin_a.email)
    used = client.post(reverse("identity:mfa_verify"), {"code": codes[0]})
    assert used.status_code == 200 and "not right" in used.content.decode()
    assert client.post(reverse("identity:mfa_verify"), {"code": codes[1]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, admin_a):
    client.force_login(admin_a)
    _, old = enrol(client)
    response = client.post(reverse("identity:recovery_codes_renew"))
    new = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    stored = set(StaticToken.objects.filter(device__user=admin_a).values_list("token", flat=True))
    assert stored == {mfa.recovery_code_digest(code) for code in new}
    assert not stored & set(new)  # kept as keyed hashes, never the codes


def test_a_user_removes_their_mfa(client, user_a):
    client.force_login(user_a)
    enrol(client)
    client.post(reverse("identity:mfa_remove"))
    assert not mfa.has_device(user_a)
    assert not StaticToken.objects.filter(device__user=user_a).exists()
    client.post(reverse("tenants:sign_out"))
    sign_in(client, user_a.tenant, user_a.email)
    assert client.get(reverse("orgs:home")).status_code == 200  # no code asked any more
    assert AuditEvent.objects.filter(tenant=user_a.tenant, action="mfa.removed").count() == 1


def test_an_admin_resets_another_users_mfa_and_no_one_else_can(
    client_admin_a, client_user_a, client_outsider, admin_a, user_a
):
    TOTPDevice.objects.create(user=user_a, name="app", confirmed=True)
    url = reverse("identity:user_mfa_reset", args=[user_a.pk])
    assert client_outsider.post(url).status_code == 404
    assert client_user_a.post(url).status_code == 403
    assert mfa.has_device(user_a)

    page = client_admin_a.get(reverse("identity:sign_in_settings")).content.decode()
    assert f"Reset MFA of {user_a.email}" in page
    assert client_admin_a.post(url).status_code == 302
    assert not mfa.has_device(user_a)
    reset = AuditEvent.objects.get(tenant=admin_a.tenant, action="mfa.reset")
    assert reset.actor == admin_a and reset.target == f"User {user_a.pk}"


def test_mfa_required_forces_enrolment_at_next_sign_in(client, client_admin_a, admin_a, user_a):
    response = client_admin_a.post(
        reverse("identity:sign_in_settings"), {"mfa_required": "on", "break_glass_user": ""}
    )
    assert response.status_code == 302
    assert (
        AuditEvent.objects.filter(tenant=admin_a.tenant, action="mfa.policy_changed").count() == 1
    )

    sign_in(client, user_a.tenant, user_a.email)
    for page in (reverse("orgs:home"), reverse("identity:account_security"), "/jobs/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("identity:mfa_enrol"))
    enrol_page = client.get(reverse("identity:mfa_enrol")).content.decode()
    assert "requires multi-factor authentication" in enrol_page
    enrol(client)
    assert client.get(reverse("orgs:home")).status_code == 200


def test_mfa_required_users_cannot_remove_it(client, admin_a, user_a):
    services.policy_set(
        tenant=admin_a.tenant,
        actor=admin_a,
        mfa_required=True,
        sso_required=False,
        break_glass_user=None,
    )
    mfa_verified(client, user_a)
    client.post(reverse("identity:mfa_remove"))
    assert mfa.has_device(user_a)


def test_the_django_admin_always_requires_mfa_of_staff(client, db):
    from tenants.models import User

    staff = User.objects.create_superuser(username="ops", email="ops@ov.example", password="x")
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("identity:mfa_enrol"))
    enrol(client)  # staff have no tenant: the same page sets up their app
    assert client.get(reverse("admin:index")).status_code == 200
    TOTPDevice.objects.filter(user=staff).delete()

    with_device = client.__class__()
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    with_device.force_login(staff)
    response = with_device.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("identity:mfa_verify"))
    with_device.post(reverse("identity:mfa_verify"), {"code": totp_code(device.bin_key)})
    assert with_device.get(reverse("admin:index")).status_code == 200


def test_the_qr_code_is_drawn_here_and_holds_the_provisioning_uri(admin_a):
    device = mfa.enrol_begin(user=admin_a)
    uri = mfa.provisioning_uri(device)
    assert uri.startswith("otpauth://totp/OrgVault%20%28Tenant%20A%29%3Aadmin%40a.example?")
    assert f"secret={mfa.secret_base32(device)}" in uri
    svg = mfa.qr_svg(device)
    assert svg.startswith("<svg") and "http" not in svg.split("xmlns", 1)[0]
    assert "<script" not in svg and "href" not in svg


def test_the_django_admin_lists_devices_without_their_secrets(client, admin_a):
    from tenants.models import User

    staff = User.objects.create_superuser(username="ops", email="ops@ov.example", password="x")
    mfa_verified(client, staff)
    client.force_login(admin_a)  # admin_a gets devices through the pages
    _, codes = enrol(client)
    device = device_of(admin_a)
    mfa_verified(client, staff)
    for url in (
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        reverse("admin:otp_static_staticdevice_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert device.key not in page and mfa.secret_base32(device) not in page
        assert not any(code in page for code in codes)
    # Staff may delete a device (a reset), never add one or edit its key.
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not mfa.has_device(admin_a)
