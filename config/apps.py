"""Django's admin with OrgVault's site (config/admin_site.py): list this config instead of
"django.contrib.admin" in INSTALLED_APPS. Nothing else may be imported here: Django
loads this module before any model exists."""

from django.contrib.admin.apps import AdminConfig


class OrgVaultAdminConfig(AdminConfig):
    default_site = "config.admin_site.OrgVaultAdminSite"
