"""A new org's built-in records: profiles, permission sets, users, automations, metadata."""

from __future__ import annotations

from sfsim import auth, automations

ADMIN_PERMISSIONS = dict.fromkeys(auth.PERMISSIONS, True)
STANDARD_PERMISSIONS = {"ApiEnabled": True}


def _perm_values(perms: dict) -> dict:
    return {f"Permissions{p}": bool(perms.get(p)) for p in auth.PERMISSIONS}


def seed_org(org, *, slug: str, with_automations: bool = True) -> dict:
    """Profiles, their permission sets, admin@<slug>.sfsim and standard@<slug>.sfsim users
    (passwords in the simulator's login table), the default automations and metadata."""
    objs = org.objects()
    users = {}
    with org.transaction():
        if "Organization" in objs:
            org.create(
                "Organization",
                {
                    "Id": org.org_id,
                    "Name": org.name,
                    "OrganizationType": org.edition,
                    "IsSandbox": org.is_sandbox,
                    "InstanceName": "SIM1",
                    "DefaultLocaleSidKey": "en_US",
                    "TimeZoneSidKey": "GMT",
                    "LanguageLocaleKey": "en_US",
                },
                None,
                system=True,
            )
        admin_id = org.new_id(objs["User"])
        org.set_meta("admin_user_id", admin_id)
        made = []
        for label, perms in (
            ("System Administrator", ADMIN_PERMISSIONS),
            ("Standard User", STANDARD_PERMISSIONS),
        ):
            profile_id = org.create(
                "Profile",
                {"Name": label, "UserType": "Standard", **_perm_values(perms)},
                None,
                system=True,
            )
            ps_id = org.create(
                "PermissionSet",
                {
                    "Name": "X00e" + profile_id[3:15],
                    "Label": label,
                    "IsOwnedByProfile": True,
                    "ProfileId": profile_id,
                    **_perm_values(perms),
                },
                None,
                system=True,
            )
            made.append((profile_id, ps_id))
        people = (
            ("admin", "Admin", "User", made[0], admin_id),
            ("standard", "Standard", "User", made[1], None),
        )
        for alias, first, last, (profile_id, ps_id), user_id in people:
            username = f"{alias}@{slug}.sfsim"
            values = {
                "Username": username,
                "FirstName": first,
                "LastName": last,
                "Email": f"{alias}@{slug}.example.com",
                "Alias": alias[:8],
                "IsActive": True,
                "ProfileId": profile_id,
                "TimeZoneSidKey": "GMT",
                "LocaleSidKey": "en_US",
                "LanguageLocaleKey": "en_US",
                "EmailEncodingKey": "UTF-8",
            }
            if user_id:
                values["Id"] = user_id
            uid = org.create("User", values, None, system=True)
            org.create(
                "PermissionSetAssignment",
                {"AssigneeId": uid, "PermissionSetId": ps_id},
                None,
                system=True,
            )
            users[username] = uid
        org.create(
            "PermissionSet",
            {
                "Name": "Integration_Read_Only",
                "Label": "Integration Read Only",
                **_perm_values({"ApiEnabled": True, "ViewAllData": True}),
            },
            None,
            system=True,
        )
        if "Pricebook2" in objs:
            org.create(
                "Pricebook2",
                {"Name": "Standard Price Book", "IsActive": True, "IsStandard": True},
                None,
                system=True,
            )
        if "Folder" in objs:
            org.create(
                "Folder",
                {
                    "Name": "Shared Documents",
                    "DeveloperName": "Shared_Documents",
                    "Type": "Document",
                    "AccessType": "Public",
                },
                None,
                system=True,
            )
        if "Support_Tier__mdt" in objs:
            for tier, hours, prio in (
                ("Gold", 4, "High"),
                ("Silver", 24, "Medium"),
                ("Bronze", 72, "Low"),
            ):
                org.create(
                    "Support_Tier__mdt",
                    {
                        "DeveloperName": tier,
                        "MasterLabel": tier,
                        "SLA_Hours__c": hours,
                        "Priority__c": prio,
                        "Language": "en_US",
                    },
                    None,
                    system=True,
                )
    for username, uid in users.items():
        org.sim.register_user(org, uid, username, auth.new_password())
    if with_automations:
        automations.install_defaults(org)
    org.metadata.seed_defaults()
    return users
