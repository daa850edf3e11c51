"""Files under var/ are readable by the server's user only: files 0600, folders 0700."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from config.env import private_dir, private_file

REPO = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_makes_var_secrets_and_database_private(tmp_path):
    var = tmp_path / "var"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ORGVAULT_MASTER_KEY", "DATABASE_URL", "S3_BUCKET"}
    }
    env |= {"ORGVAULT_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings"}
    # A permissive umask must not matter: the modes are set explicitly.
    script = "import os; os.umask(0); import django; django.setup()"
    subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True)  # noqa: S603

    assert _mode(var) == 0o700
    assert _mode(var / "static") == 0o700
    for name in ["secret_key", "master_key", "orgvault.sqlite3"]:
        assert _mode(var / name) == 0o600, name
    assert len((var / "secret_key").read_text().strip()) > 40


def test_existing_loose_modes_are_tightened(tmp_path):
    folder, secret = tmp_path / "var", tmp_path / "var" / "secret"
    folder.mkdir(mode=0o755)
    secret.write_text("kept")
    secret.chmod(0o644)

    private_dir(folder)
    private_file(secret, lambda: "not used")

    assert (_mode(folder), _mode(secret)) == (0o700, 0o600)
    assert secret.read_text() == "kept"


def test_local_vault_storage_writes_private_files_and_folders(tmp_path, settings):
    if "FileSystemStorage" not in settings.STORAGES["vault"]["BACKEND"]:
        pytest.skip("the vault is on S3 in this run: file modes belong to the local folder")
    options = settings.STORAGES["vault"]["OPTIONS"]
    assert options["file_permissions_mode"] == 0o600
    assert options["directory_permissions_mode"] == 0o700
    storage = FileSystemStorage(**{**options, "location": str(tmp_path / "storage")})

    old = os.umask(0)
    try:
        name = storage.save("orgs/1/blobs/ab/cd.bin", ContentFile(b"sealed"))
    finally:
        os.umask(old)

    path = Path(storage.path(name))
    assert path.read_bytes() == b"sealed"
    assert _mode(path) == 0o600
    for folder in [path.parent, path.parent.parent, tmp_path / "storage" / "orgs"]:
        assert _mode(folder) == 0o700, folder


def test_uploads_are_private(settings):
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700


def test_processes_starting_together_all_read_the_same_whole_secret(tmp_path):
    var = tmp_path / "var"
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env |= {"ORGVAULT_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings"}
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    starts = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", script], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    keys = {start.communicate()[0].strip() for start in starts}

    assert keys == {(var / "secret_key").read_text().strip()}
    assert len(keys.pop()) > 40
    assert sorted(path.name for path in var.iterdir() if path.name.startswith(".")) == []
