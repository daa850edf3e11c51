"""Identity's audit events through tenants.audit.audit_record (the tenant's security
audit log). Actions are the ones tenants.audit.Action names; no record data, no secret."""

from __future__ import annotations

import importlib
from typing import Any

SIGN_IN_SSO = "sign_in.sso"
SIGN_IN_SSO_FAILED = "sign_in.sso_failure"
SIGN_IN_MFA = "sign_in.mfa"
SIGN_IN_MFA_FAILED = "sign_in.mfa_failure"
MFA_ENROLLED = "mfa.enrolled"
MFA_REMOVED = "mfa.removed"
MFA_RESET = "mfa.reset"
MFA_POLICY_CHANGED = "mfa.policy_changed"
USER_CREATED_SSO = "user.created_sso"
SSO_SETTINGS_CHANGED = "sso.settings_changed"


def record(**kwargs: Any) -> None:
    """tenants.audit.audit_record(**kwargs) — skipped while tenants has no audit log."""
    try:
        audit = importlib.import_module("tenants.audit")
    except ImportError:
        return
    if kwargs.get("tenant") is None:
        return  # staff without a tenant: the Django admin's own log covers them
    audit.audit_record(**kwargs)
