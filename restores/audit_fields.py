"""Original audit fields on re-created records.

Salesforce lets an insert set CreatedDate and CreatedById only for a user with "Set Audit
Fields upon Record Creation" (PermissionSet.PermissionsSetAuditFields). A restore that
re-creates records asks once (one query, only when it has records to insert): granted, the
inserts carry the correct backup's CreatedDate and CreatedById; not granted, the log says
that re-created records get the restore's date and user instead.
"""

from salesforce.permissions import permission_check

AUDIT_FIELDS = ("CreatedDate", "CreatedById")
PERMISSION = "PermissionsSetAuditFields"
NOT_GRANTED = (
    "The connected Salesforce user lacks 'Set Audit Fields upon Record Creation': "
    "re-created records get the restore's date and user as CreatedDate and CreatedById "
    "(grant the permission to keep the originals)."
)
GRANTED = "Re-created records keep their original CreatedDate and CreatedById."


def audit_fields_granted(client, org) -> bool:
    """Whether the org's connected user may set audit fields on insert (one API call)."""
    if not org.sf_user_id:
        return False
    return PERMISSION not in permission_check(client, org.sf_user_id)


def audit_fields_of(describe: dict) -> list[str]:
    names = {f["name"] for f in describe.get("fields", [])}
    return [name for name in AUDIT_FIELDS if name in names]
