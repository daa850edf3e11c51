from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "vault"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # An active legal hold blocks deleting the org's connection.
        from orgs import hooks
        from vault.holds import org_delete_refusals

        hooks.org_delete_refusals.subscribe(org_delete_refusals)

        # Immutable storage: the org's policy chooses S3 Object Lock; locks block deletion.
        from common.storage import object_lock_provider
        from vault import immutability

        object_lock_provider(immutability.object_lock_for)
        hooks.org_delete_refusals.subscribe(immutability.org_delete_refusals)
