"""CA certificates to trust for an org's login URL (a private CA, the simulator's).

People paste or upload them as PEM text on the Add Salesforce Org page (never a path
on the server: a path field would tell which files exist); `org_connect` reads them
from a file. The text is kept on the org (`Org.ca_bundle`, certificates are public)
and written, when a connection needs it, to var/ca-bundles/<sha256>.pem (0600 in a
0700 folder) on the host that connects, so every web and worker host has it.
`Org.ca_bundle` rows made before hold a server path, used as it is.
"""

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import load_pem_x509_certificates
from django.conf import settings

PEM_MAX_BYTES = 1_000_000
PEM_BEGIN = "-----BEGIN CERTIFICATE-----"


class CaBundleError(ValueError):
    pass


def is_pem(value: str) -> bool:
    return value.lstrip().startswith("-----BEGIN")


def ca_pem_clean(text: str) -> str:
    """The certificates of `text` as PEM (one or more), or CaBundleError saying why not."""
    text = text.strip()
    if len(text.encode()) > PEM_MAX_BYTES:
        raise CaBundleError("The CA certificates are larger than 1 MB: paste only the CA's.")
    if PEM_BEGIN not in text:
        raise CaBundleError(
            f"Paste the CA certificates as PEM text: blocks starting with “{PEM_BEGIN}”."
        )
    try:
        certificates = load_pem_x509_certificates(text.encode())
    except ValueError:
        raise CaBundleError(
            "These are not valid PEM certificates. Paste the whole block of each, from "
            "-----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----."
        ) from None
    return "".join(certificate.public_bytes(Encoding.PEM).decode() for certificate in certificates)


def ca_bundle_path(value: str) -> str | None:
    """The file to hand to an HTTPS client for `value` (PEM text or a server path), or
    None for the system's CAs."""
    if not value:
        return None
    if not is_pem(value):
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()
    folder = Path(settings.VAR_DIR) / "ca-bundles"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{digest}.pem"
    if not path.exists():  # written whole, then moved into place (never read half-written)
        temporary = folder / f".{digest}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        os.replace(temporary, path)
    return str(path)
