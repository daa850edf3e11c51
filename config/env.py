"""Typed readers for settings from the environment.

Every reader fails loudly, naming the variable, when a value cannot be used, so a
misconfigured deployment stops at start instead of misbehaving later. `private_dir` and
`private_file` make what lives under var/ readable by the server's user only.
"""

import ipaddress
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, schemes: set[str]) -> str:
    """A URL whose scheme is one of `schemes`, or '' when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must be a URL with scheme {allowed}, got {raw!r}")
    return raw


def private_dir(path: Path) -> Path:
    """`path` as a folder only this user can enter (0700), made if missing."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)
    return path


def private_file(path: Path, make: Callable[[], str] | None = None) -> Path:
    """`path` as a file only this user can read (0600), made if missing: written in full
    to a private temporary file first, then linked into place, so no other user can
    open it in between and a process starting at the same time never reads it half
    written (the first link wins; the others use it)."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            if make is not None:
                handle.write(make())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        path.chmod(0o600)
    return path


def env_header(name: str) -> tuple[str, str] | None:
    """A request header and the value that marks HTTPS, written `Header-Name=value`
    (e.g. `X-Forwarded-Proto=https`), as Django's SECURE_PROXY_SSL_HEADER wants it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    header, sep, value = raw.partition("=")
    header, value = header.strip(), value.strip()
    if not sep or not header or not value or not all(c.isalnum() or c in "-_" for c in header):
        raise ImproperlyConfigured(f"{name} must be Header-Name=value, got {raw!r}")
    meta = "HTTP_" + header.upper().replace("-", "_").removeprefix("HTTP_")
    return meta, value


def env_networks(name: str) -> list[str]:
    """Comma-separated IPv4/IPv6 addresses or CIDR ranges, each checked."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or CIDR ranges (10.0.0.0/8, ::1), got {item!r}"
            ) from None
    return networks
