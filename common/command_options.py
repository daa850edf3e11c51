"""Parsing of the operators' repeated command options (`--filter OBJECT:"SOQL"`, ...)."""

from django.core.management.base import CommandError


def object_pairs(values: list[str], option: str) -> dict[str, str]:
    """`["Account:Name = 'x'", ...]` → `{"Account": "Name = 'x'"}`; a clear error otherwise."""
    found: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip() or not rest.strip():
            raise CommandError(f'{option} takes OBJECT:"text", got {value!r}.')
        found[name.strip()] = rest.strip()
    return found
