"""Salesforce record Ids: 15 case-sensitive characters plus a 3-character case-safe suffix.

Ids made here are ``<key prefix><2-char org tag><10-char base62 counter>`` + checksum.
The base62 alphabet is in ASCII order, so for one org and prefix the Ids sort (binary
collation) in creation order.
"""

from __future__ import annotations

import re

from sfsim.errors import SalesforceError

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-5]{3})?$")


def checksum(id15: str) -> str:
    """The 3 case-safe characters for a 15-character Id."""
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_CHARS[bits])
    return "".join(out)


def to18(record_id: str) -> str:
    """Normalise a 15- or 18-character Id to 18 characters; raise MALFORMED_ID otherwise."""
    if not isinstance(record_id, str) or not _ID_RE.match(record_id):
        raise SalesforceError("MALFORMED_ID", f"Id in URL is invalid: {record_id}")
    if len(record_id) == 18:
        expected = checksum(record_id[:15])
        if record_id[15:].upper() != expected:
            raise SalesforceError("MALFORMED_ID", f"Invalid Id: {record_id}")
        return record_id[:15] + expected
    return record_id + checksum(record_id)


def is_valid(record_id: object) -> bool:
    try:
        to18(record_id)  # type: ignore[arg-type]
    except SalesforceError:
        return False
    return True


def base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        chars.append(BASE62[rem])
    if number:
        raise ValueError("counter overflow")
    return "".join(reversed(chars))


def make_id(prefix: str, org_tag: str, counter: int) -> str:
    """An 18-character Id for key prefix ``prefix``, 2-char ``org_tag`` and a counter."""
    id15 = prefix + org_tag + base62(counter, 10)
    return id15 + checksum(id15)


def make_org_id(number: int) -> str:
    id15 = "00D" + "5g" + base62(number, 10)
    return id15 + checksum(id15)


def org_tag(number: int) -> str:
    """The 2-character tag that keeps Ids of different orgs apart."""
    return base62(number + 62 * 5, 2)
