"""The API version of the request being answered, for the URLs records and describes carry.

Salesforce writes the caller's version into ``attributes.url`` and describe ``urls``
(``/services/data/v67.0/sobjects/Account/001...``). The server sets it per request
(``use_api_version``); code outside a request (loaders, tests) gets ``DEFAULT_VERSION``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_VERSION = "59.0"
MIN_VERSION = 20
MAX_VERSION = 67  # Summer '26, what the current Salesforce CLI speaks
VERSIONS = [f"{major}.0" for major in range(MIN_VERSION, MAX_VERSION + 1)]

_current: ContextVar[str] = ContextVar("sfsim_api_version", default=DEFAULT_VERSION)
_DATA_URL = re.compile(r"/services/data/v(?:[0-9]+\.[0-9]+|xx\.0)/")


def api_version() -> str:
    return _current.get()


def data_path() -> str:
    """``/services/data/vNN.N`` for the current request's version (no trailing slash)."""
    return f"/services/data/v{_current.get()}"


@contextmanager
def use_api_version(version: str | None) -> Iterator[None]:
    if not version:
        yield
        return
    token = _current.set(version)
    try:
        yield
    finally:
        _current.reset(token)


def versioned(value):
    """``value`` (JSON-like) with every ``/services/data/vNN.N/`` URL in the current version."""
    prefix = data_path() + "/"
    if isinstance(value, str):
        return _DATA_URL.sub(prefix, value) if "/services/data/v" in value else value
    if isinstance(value, dict):
        return {k: versioned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [versioned(v) for v in value]
    return value
