"""Shared by the archive commands: the org and its archive template by name."""

import json
from pathlib import Path

from django.core.management.base import CommandError

from object_templates.models import ObjectTemplate
from orgs.models import Org


def org_of(org_id: int) -> Org:
    org = Org.objects.filter(pk=org_id).first()
    if org is None:
        raise CommandError(f"There is no org with id {org_id}.")
    return org


def archive_template(org: Org, name: str) -> ObjectTemplate:
    template = ObjectTemplate.objects.filter(org=org, name=name).first()
    if template is None:
        raise CommandError(f"Org {org.pk} has no template named '{name}'.")
    if template.kind != ObjectTemplate.Kind.ARCHIVE:
        raise CommandError(f"'{name}' is a backup template: name an archive template.")
    return template


def read_json(path: Path) -> dict:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path} is not valid UTF-8 JSON: {exc}.") from None
    if not isinstance(spec, dict):
        raise CommandError(f'{path} must hold one JSON object: {{"name": ..., "objects": [...]}}.')
    return spec
