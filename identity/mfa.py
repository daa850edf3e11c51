"""TOTP MFA through django-otp: an authenticator-app device (TOTPDevice) and ten
one-time recovery codes (StaticDevice). Codes allow one 30-second step of clock drift
either way (TOTPDevice.tolerance) and a code is never accepted twice (`last_t`).

`mfa_sign_in_state` decides, when someone signs in, what identity.middleware asks of
them before anything else: "verify" (they have a device), "enrol" (their tenant's
policy, or staff for the Django admin, requires one) or "" (nothing)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity import audit
from identity.models import SignInPolicy
from tenants.models import User

RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
ISSUER = "OrgVault"

STATE_VERIFY = "verify"
STATE_ENROL = "enrol"
SESSION_STATE = "identity_mfa_state"


def totp_device(user: User, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("pk").first()


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_required(user: User) -> bool:
    if user.is_staff:
        return True
    if user.tenant_id is None:
        return False
    return SignInPolicy.objects.filter(tenant_id=user.tenant_id, mfa_required=True).exists()


def mfa_sign_in_state(user: User) -> str:
    if has_device(user):
        return STATE_VERIFY
    if mfa_required(user):
        return STATE_ENROL
    return ""


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def enrol_begin(*, user: User) -> TOTPDevice:
    """The user's unconfirmed device (a new secret unless one is pending)."""
    pending = totp_device(user, confirmed=False)
    if pending is None:
        pending = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return pending


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    user = device.user
    issuer = f"{ISSUER} ({user.tenant.name})" if user.tenant_id else ISSUER
    label = quote(f"{issuer}:{user.email}")
    params = {
        "secret": secret_base32(device),
        "issuer": issuer,
        "algorithm": "SHA1",
        "digits": device.digits,
        "period": device.step,
    }
    return f"otpauth://totp/{label}?{urlencode(params)}"


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG QR code, drawn here (no outside service)."""
    return segno.make(provisioning_uri(device), error="m").svg_inline(
        scale=5, title="QR code for your authenticator app"
    )


def recovery_code_digest(code: str) -> str:
    """What is stored of a recovery code: a keyed hash (the master key), cut to the 16
    characters django-otp's StaticToken holds, so the database never has the codes."""
    normal = code.strip().replace(" ", "").lower().encode()
    digest = hmac.new(settings.MASTER_KEY, b"mfa-recovery-code:" + normal, hashlib.sha256)
    return digest.hexdigest()[:16]


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_code_digest(c)) for c in codes]
    )
    return codes


@transaction.atomic
def enrol_confirm(*, request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirms the pending device with its first code and signs the session in with it;
    answers the new recovery codes (shown once), or None when the code is wrong."""
    device = totp_device(user, confirmed=False)
    if device is None or not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    otp_login(request, device)
    audit.record(tenant=user.tenant, actor=user, request=request, action=audit.MFA_ENROLLED)
    return codes


def verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """A code from the app, or a recovery code (then used up); signs the session in."""
    token = token.strip().replace(" ", "").lower()
    device: TOTPDevice | StaticDevice | None = totp_device(user)
    if device is not None and token.isdigit() and device.verify_token(token):
        pass
    else:
        digest = recovery_code_digest(token)
        device = next(
            (
                d
                for d in StaticDevice.objects.filter(user=user, confirmed=True)
                if d.verify_token(digest)
            ),
            None,
        )
    if device is None:
        audit.record(
            tenant=user.tenant, actor=user, request=request, action=audit.SIGN_IN_MFA_FAILED
        )
        return False
    otp_login(request, device)
    detail = {"method": "recovery code" if isinstance(device, StaticDevice) else "app"}
    audit.record(
        tenant=user.tenant, actor=user, request=request, action=audit.SIGN_IN_MFA, detail=detail
    )
    return True


@transaction.atomic
def recovery_codes_renew(*, request: HttpRequest, user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    audit.record(
        tenant=user.tenant,
        actor=user,
        request=request,
        action=audit.MFA_ENROLLED,
        detail={"recovery_codes": "renewed"},
    )
    return codes


@transaction.atomic
def devices_remove(*, request: HttpRequest, actor: User, user: User) -> None:
    """Removes a user's MFA (their own, or an Admin resetting another user's)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    own = actor.pk == user.pk
    audit.record(
        tenant=user.tenant,
        actor=actor,
        request=request,
        action=audit.MFA_REMOVED if own else audit.MFA_RESET,
        target=f"User {user.pk}",
    )
