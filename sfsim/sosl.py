# ruff: noqa: S608 -- SOQL is built from describe field names and escaped LIKE patterns
"""SOSL for ``GET /search?q=FIND {...}``: the common shape of Salesforce's search language.

    FIND {term} [IN ALL FIELDS | NAME FIELDS | EMAIL FIELDS | PHONE FIELDS]
        [RETURNING Object [(field, ... [WHERE condition] [ORDER BY ...] [LIMIT n])], ...]
        [LIMIT n]

The term's words (``"quoted phrases"`` stay whole; ``*`` and ``?`` are wildcards; AND/OR
between words are read as plain word separators) must each appear in one of the searched
fields of a record (case-insensitive substring match, so ``Acme`` finds "Acme Corp"). The
answer is ``{"searchRecords": [{"attributes": {...}, "Id": ..., ...}]}`` as in API v37.0+.
Without RETURNING every searchable object with a name field is searched and only Ids come
back. Each RETURNING object runs as a SOQL query through the normal query engine, so its
WHERE / ORDER BY / LIMIT and field access follow SOQL's rules. Not supported (refused with
MALFORMED_SEARCH): WITH clauses, SNIPPET, USING LISTVIEW, UPDATE TRACKING/VIEWSTAT,
toLabel/convertCurrency in RETURNING field lists.
"""

from __future__ import annotations

import re

from sfsim.errors import SalesforceError

MAX_RESULTS = 2000
_TEXT_TYPES = {"string", "textarea", "email", "phone", "url", "picklist", "combobox"}
_GROUPS = {"ALL": None, "NAME": "name", "EMAIL": "email", "PHONE": "phone"}


def _malformed(message: str) -> SalesforceError:
    return SalesforceError("MALFORMED_SEARCH", message)


def _split_returning(text: str) -> list[str]:
    """``A(x, y), B`` -> ["A(x, y)", "B"], splitting on commas outside parentheses/quotes."""
    parts, depth, quote, start = [], 0, False, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote:
            i += 2
            continue
        if ch == "'":
            quote = not quote
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
        elif not quote and depth == 0 and ch == ",":
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def parse(text: str) -> dict:
    """``{"words": [...], "group": None|"name"|..., "returning": [(object, spec)], "limit"}``."""
    match = re.match(r"\s*FIND\s*\{((?:[^}\\]|\\.)*)\}(.*)$", text, re.I | re.S)
    if match is None:
        raise _malformed("SOSL must start with FIND {search term}.")
    term, rest = match.group(1), match.group(2)
    words = [w.strip('"') for w in re.findall(r'"[^"]*"|\S+', term)]
    words = [w for w in words if w.upper() not in ("AND", "OR", "AND NOT") and w.strip("*?")]
    if not words or all(len(w.strip("*?")) < 2 for w in words):
        raise _malformed("search term must be longer than one character")
    group = None
    in_match = re.match(r"\s*IN\s+(ALL|NAME|EMAIL|PHONE)\s+FIELDS\b(.*)$", rest, re.I | re.S)
    if in_match:
        group = _GROUPS[in_match.group(1).upper()]
        rest = in_match.group(2)
    limit = None
    limit_match = re.search(r"\bLIMIT\s+(\d+)\s*$", rest, re.I)
    returning: list[tuple[str, str]] = []
    ret_match = re.match(r"\s*RETURNING\s+(.*)$", rest, re.I | re.S)
    if ret_match:
        body = ret_match.group(1)
        tail = re.search(r"\bLIMIT\s+(\d+)\s*$", body, re.I)
        if tail and body[: tail.start()].count("(") == body[: tail.start()].count(")"):
            # a LIMIT outside the last object's parentheses belongs to the whole search
            limit = int(tail.group(1))
            body = body[: tail.start()]
        for part in _split_returning(body):
            obj = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", part, re.S)
            if obj is None:
                raise _malformed(f"Cannot read the RETURNING object '{part}'.")
            returning.append((obj.group(1), (obj.group(2) or "").strip()))
    elif limit_match:
        limit = int(limit_match.group(1))
        rest = rest[: limit_match.start()]
    elif rest.strip():
        raise _malformed(f"Unsupported SOSL clause: {rest.strip()[:60]}")
    return {"words": words, "group": group, "returning": returning, "limit": limit}


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("'", "\\'").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped.replace("*", "%").replace("?", "_") + "%"


def _searched_fields(od, group: str | None) -> list[str]:
    fields = []
    for name, f in od.fields.items():
        if f["type"] not in _TEXT_TYPES or f.get("filterable") is False:
            continue
        if group == "name" and not f.get("nameField"):
            continue
        if group in ("email", "phone") and f["type"] != group:
            continue
        fields.append(name)
    return fields


def _spec_parts(spec: str) -> tuple[str, str, str, str]:
    """(fields, where, order by, limit) of a RETURNING object's parenthesised part."""
    keywords = re.compile(r"\b(WHERE|ORDER\s+BY|LIMIT|OFFSET)\b", re.I)
    pieces = {"fields": "", "where": "", "order": "", "limit": ""}
    current, start = "fields", 0
    for match in keywords.finditer(spec):
        pieces[current] = spec[start : match.start()].strip()
        word = match.group(1).upper()
        current = "where" if word == "WHERE" else ("limit" if word == "LIMIT" else "order")
        if word == "OFFSET":
            raise _malformed("OFFSET is not supported in this simulator's SOSL.")
        start = match.end()
    pieces[current] = spec[start:].strip()
    return pieces["fields"], pieces["where"], pieces["order"], pieces["limit"]


def search(org, text: str, user) -> dict:
    parsed = parse(text)
    objs = org.objects()
    lowered = {n.lower(): od for n, od in objs.items()}
    targets = parsed["returning"] or [
        (od.name, "")
        for od in objs.values()
        if od.name_field
        and od.describe.get("searchable", True)
        and od.describe.get("queryable", True)
    ]
    total_limit = min(parsed["limit"] or MAX_RESULTS, MAX_RESULTS)
    records: list[dict] = []
    for name, spec in targets:
        od = lowered.get(name.lower())
        if od is None:
            raise SalesforceError(
                "INVALID_TYPE", f"sObject type '{name}' is not supported.", status=400
            )
        fields, where, order, limit = _spec_parts(spec)
        searched = _searched_fields(od, parsed["group"])
        if not searched:
            continue
        word_tests = [
            "(" + " OR ".join(f"{f} LIKE '{_like(w)}'" for f in searched) + ")"
            for w in parsed["words"]
        ]
        condition = " AND ".join(word_tests)
        if where:
            condition = f"({where}) AND {condition}"
        soql = f"SELECT {fields or 'Id'} FROM {od.name} WHERE {condition}"
        if order:
            soql += f" ORDER BY {order}"
        room = total_limit - len(records)
        if room <= 0:
            break
        soql += f" LIMIT {min(int(limit), room) if limit.isdigit() else room}"
        cursor = org.query(soql, include_deleted=False, user=user, batch_size=2000)
        page, _done = cursor.next_page()
        cursor.close()
        records.extend(page)
    return {"searchRecords": records[:total_limit]}
