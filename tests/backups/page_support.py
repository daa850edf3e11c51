"""Helpers for the page tests (tests/backups/test_pages_*.py): each module declares
two small fixtures with them, so the page tests need nothing from conftest.py."""


def use_private_storage(settings, tmp_path) -> None:
    """Point the vault's storage at a folder of this test only."""
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
