"""Does the connected Salesforce user have what backups and restores need?

A user's effective permissions are the OR of their profile and every permission set
assigned to them. Salesforce exposes the profile as a permission set too (the
`IsOwnedByProfile` one), so one query over PermissionSetAssignment covers both.
"""

from dataclasses import dataclass

from salesforce.client import SalesforceClient
from salesforce.errors import SalesforceApiError


@dataclass(frozen=True)
class Permission:
    field: str  # PermissionSet field, e.g. "PermissionsApiEnabled"
    label: str  # as Salesforce Setup names it
    why: str  # what OrgVault needs it for


REQUIRED = (
    Permission("PermissionsApiEnabled", "API Enabled", "every call OrgVault makes uses the API"),
    Permission("PermissionsViewAllData", "View All Data", "to back up every record"),
    Permission("PermissionsModifyAllData", "Modify All Data", "to restore and archive records"),
    Permission("PermissionsQueryAllFiles", "Query All Files", "to back up every file"),
    Permission(
        "PermissionsSetAuditFields",
        "Set Audit Fields upon Record Creation",
        "to keep original created dates and owners when restoring",
    ),
)
BY_FIELD = {p.field: p for p in REQUIRED}

# Salesforce answers API calls of a user without "API Enabled" with these codes.
_API_DISABLED_CODES = {"API_CURRENTLY_DISABLED", "API_DISABLED_FOR_ORG"}


def _soql_id(user_id: str) -> str:
    if not user_id.isalnum() or len(user_id) not in (15, 18):
        raise ValueError(f"not a Salesforce Id: {user_id!r}")
    return user_id


def permission_check(client: SalesforceClient, user_id: str) -> list[str]:
    """The PermissionSet field names the user lacks (empty when all are granted)."""
    fields = ", ".join(f"PermissionSet.{p.field}" for p in REQUIRED)
    # The Id is checked to be alphanumeric by _soql_id, so it cannot break out of quotes.
    soql = f"SELECT {fields} FROM PermissionSetAssignment WHERE AssigneeId = '{_soql_id(user_id)}'"  # noqa: S608
    try:
        rows = client.query(soql)
    except SalesforceApiError as exc:
        if exc.error_code in _API_DISABLED_CODES:
            # Without API access nothing else can be read; the rest is checked on retry.
            return ["PermissionsApiEnabled"]
        raise
    granted = {
        p.field
        for row in rows
        for p in REQUIRED
        if (row.get("PermissionSet") or {}).get(p.field) is True
    }
    return [p.field for p in REQUIRED if p.field not in granted]


def describe_missing(missing: list[str]) -> list[Permission]:
    return [BY_FIELD[field] for field in missing if field in BY_FIELD]
