"""Identity's audit events through tenants.audit.audit_record (the tenant's security
audit log). No record data and no secret ever goes in one."""

from __future__ import annotations

from typing import Any

from tenants.audit import Action, audit_record

SIGN_IN_SSO = Action.SIGN_IN_SSO
SIGN_IN_SSO_FAILED = Action.SIGN_IN_SSO_FAILED
SIGN_IN_MFA = Action.SIGN_IN_MFA
SIGN_IN_MFA_FAILED = Action.SIGN_IN_MFA_FAILED
MFA_ENROLLED = Action.MFA_ENROLLED
MFA_REMOVED = Action.MFA_REMOVED
MFA_RESET = Action.MFA_RESET
MFA_POLICY_CHANGED = Action.MFA_POLICY_CHANGED
USER_CREATED_SSO = Action.USER_CREATED_SSO
SSO_SETTINGS_CHANGED = Action.SSO_SETTINGS_CHANGED


def record(**kwargs: Any) -> None:
    """audit_record(**kwargs) for a tenant's event; staff without a tenant (the Django
    admin's MFA) have no tenant log."""
    if kwargs.get("tenant") is None:
        return
    audit_record(**kwargs)
