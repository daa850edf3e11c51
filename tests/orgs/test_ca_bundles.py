"""An org's CA certificates are kept as PEM text and written, when a connection needs
them, to var/ca-bundles/<sha256>.pem: a file only the server's user reads (0600) in a
folder only it enters (0700); a row made before keeps its server path."""

import os
import stat
from pathlib import Path

import pytest

from orgs.ca_bundles import CaBundleError, ca_bundle_path, ca_pem_clean


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_pem_is_written_private_once_and_reused(sfsim, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    pem = ca_pem_clean(Path(sfsim.ca_path).read_text())
    old = os.umask(0)  # a permissive umask must not matter
    try:
        first = Path(ca_bundle_path(pem))
    finally:
        os.umask(old)
    assert first.parent == tmp_path / "var" / "ca-bundles"
    assert _mode(first) == 0o600 and _mode(first.parent) == 0o700
    assert first.read_text() == pem
    assert Path(ca_bundle_path(pem)) == first
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temporary left


def test_an_older_rows_path_is_used_as_it_is_and_empty_means_the_system():
    assert ca_bundle_path("/etc/ssl/certs/ca-certificates.crt") == (
        "/etc/ssl/certs/ca-certificates.crt"
    )
    assert ca_bundle_path("") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/etc/passwd", "Paste the CA certificates as PEM text"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "not valid PEM"),
        ("-----BEGIN CERTIFICATE-----\n" + "A" * 1_000_001, "larger than 1 MB"),
    ],
)
def test_what_is_not_pem_certificates_is_named(text, message):
    with pytest.raises(CaBundleError, match=message):
        ca_pem_clean(text)
