"""Reads for backup templates, always through the caller's org (itself tenant-scoped).

- `template_list(*, org, search="") -> QuerySet[BackupTemplate]` — by name.
- `template_get(*, org, template_id) -> BackupTemplate` — or 404.
- `template_get_by_name(*, org, name) -> BackupTemplate | None`
- `template_object_get(*, template, template_object_id) -> TemplateObject` — or 404.
- `template_tree(*, template) -> list[TemplateNode]` — top objects with their children.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from backups.models import BackupTemplate, TemplateObject


def template_list(*, org, search: str = "") -> QuerySet[BackupTemplate]:
    templates = BackupTemplate.objects.filter(org=org)
    if search.strip():
        templates = templates.filter(name__icontains=search.strip())
    return templates.order_by("name", "id")


def template_get(*, org, template_id: int) -> BackupTemplate:
    template = BackupTemplate.objects.filter(org=org, pk=template_id).first()
    if template is None:
        raise Http404("No such template in this org.")
    return template


def template_get_by_name(*, org, name: str) -> BackupTemplate | None:
    return BackupTemplate.objects.filter(org=org, name__iexact=name.strip()).first()


def template_object_get(*, template: BackupTemplate, template_object_id: int) -> TemplateObject:
    obj = (
        TemplateObject.objects.filter(template=template, pk=template_object_id)
        .select_related("template", "parent")
        .first()
    )
    if obj is None:
        raise Http404("No such object in this template.")
    return obj


@dataclass
class TemplateNode:
    object: TemplateObject
    children: list[TemplateObject] = field(default_factory=list)


def template_tree(*, template: BackupTemplate) -> list[TemplateNode]:
    objects = list(
        TemplateObject.objects.filter(template=template)
        .select_related("filter")
        .order_by("object_name", "id")
    )
    nodes = {o.pk: TemplateNode(o) for o in objects if o.parent_id is None}
    for obj in objects:
        if obj.parent_id is not None and obj.parent_id in nodes:
            nodes[obj.parent_id].children.append(obj)
    return list(nodes.values())
