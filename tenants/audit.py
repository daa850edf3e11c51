"""The security audit log: one append-only `AuditEvent` per tenant event.

`audit_record(*, tenant, action, actor=None, request=None, target="", detail=None)`
appends one event: who (the actor, else the request's signed-in user), when, from
which address (the request's client address, trusted-proxy rule of
tenants/client_ip.py; without a request, that of the request being served, if any), what (`action`, a short `target` such as "Org 7" or "Job 57",
and `detail`: ids, counts, setting and schema names). Never record data: no field
value, record name or search filter goes in an event.

Other apps call it for their events (jobs.services.job_start records "job.started"
for every operation; downloads are recorded by the download views).
"""

from contextvars import ContextVar
from typing import Any

from django.db import models
from django.http import HttpRequest

from tenants.client_ip import client_ip
from tenants.models import AuditEvent, Tenant, User

# The client address of the request being served (set by
# tenants.middleware.PermittedIPMiddleware), for events recorded without the request
# at hand, such as jobs.services.job_start's.
request_address: ContextVar[str] = ContextVar("audit_request_address", default="")

TARGET_MAX = AuditEvent._meta.get_field("target").max_length or 255
DETAIL_TEXT_MAX = 200
DETAIL_KEYS_MAX = 30


class Action(models.TextChoices):
    """Known actions, with the labels the Audit log page shows. Other strings are
    accepted (an app may add its own) and shown as they are."""

    SIGN_IN = "sign_in.success", "Signed in"
    SIGN_IN_FAILED = "sign_in.failure", "Sign-in failed"
    SIGN_IN_SSO = "sign_in.sso", "Signed in with SSO"
    SIGN_IN_SSO_FAILED = "sign_in.sso_failure", "SSO sign-in failed"
    SIGN_IN_MFA = "sign_in.mfa", "MFA code accepted"
    SIGN_IN_MFA_FAILED = "sign_in.mfa_failure", "MFA code refused"
    SIGN_OUT = "sign_out", "Signed out"
    PASSWORD_CHANGED = "password.changed", "Password changed"
    PASSWORD_RESET_REQUESTED = "password.reset_requested", "Password reset requested"
    MFA_ENROLLED = "mfa.enrolled", "MFA device added"
    MFA_REMOVED = "mfa.removed", "MFA device removed"
    MFA_RESET = "mfa.reset", "MFA reset by an admin"
    USER_INVITED = "user.invited", "User invited"
    USER_ROLE_CHANGED = "user.role_changed", "User role changed"
    USER_DEACTIVATED = "user.deactivated", "User deactivated"
    USER_REACTIVATED = "user.reactivated", "User reactivated"
    USER_CREATED_SSO = "user.created_sso", "User created by SSO"
    GROUP_CREATED = "group.created", "Group created"
    GROUP_CHANGED = "group.changed", "Group changed"
    GROUP_DELETED = "group.deleted", "Group deleted"
    GROUP_MEMBERS_CHANGED = "group.members_changed", "Group members changed"
    SSO_SETTINGS_CHANGED = "sso.settings_changed", "SSO settings changed"
    MFA_POLICY_CHANGED = "mfa.policy_changed", "MFA policy changed"
    IP_SETTINGS_CHANGED = "ip.settings_changed", "Permitted IPs changed"
    ORGANIZATION_CHANGED = "organization.changed", "Organization settings changed"
    API_TOKEN_CREATED = "api_token.created", "API token created"
    API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
    ORG_CONNECTED = "org.connected", "Org connected"
    ORG_DELETED = "org.deleted", "Org deleted"
    KEY_FINGERPRINT = "key.fingerprint", "Encryption key set"
    JOB_STARTED = "job.started", "Operation started"
    DOWNLOAD = "download", "File downloaded"
    AUDIT_LOG_DOWNLOADED = "audit.downloaded", "Audit log downloaded"


def action_label(action: str) -> str:
    try:
        return Action(action).label
    except ValueError:
        return action


def _clean(value: Any, depth: int = 0) -> Any:
    """Scalars as they are (text cut to DETAIL_TEXT_MAX), lists and dicts of them."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value.replace("\x00", "")[:DETAIL_TEXT_MAX]
    if depth < 3 and isinstance(value, list | tuple | set | frozenset):
        return [_clean(item, depth + 1) for item in list(value)[:DETAIL_KEYS_MAX]]
    if depth < 3 and isinstance(value, dict):
        return {
            str(key)[:64]: _clean(item, depth + 1)
            for key, item in list(value.items())[:DETAIL_KEYS_MAX]
        }
    return str(value)[:DETAIL_TEXT_MAX]


def audit_record(
    *,
    tenant: Tenant | int,
    action: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    target: str = "",
    detail: dict | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Append one event to `tenant`'s audit log (see the module's docstring).

    `actor` defaults to the request's signed-in user; `actor_email` names who tried
    when there is no user (a failed sign-in with an unknown email)."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    address = client_ip(request) if request is not None else request_address.get()
    return AuditEvent.objects.create(
        tenant_id=tenant_id,
        action=action[:64],
        actor=actor,
        actor_email=_clean(actor.email if actor is not None else actor_email.strip())[:254],
        address=address or None,
        target=_clean(str(target))[:TARGET_MAX],
        detail=_clean(dict(detail or {})),
    )
