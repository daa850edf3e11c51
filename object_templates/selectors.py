"""Reads for backup templates, always through the caller's org (itself tenant-scoped).

- `template_list(*, org, search="") -> QuerySet[ObjectTemplate]` — by name.
- `template_get(*, org, template_id) -> ObjectTemplate` — or 404.
- `template_get_by_name(*, org, name) -> ObjectTemplate | None`
- `template_object_get(*, template, template_object_id) -> TemplateObject` — or 404.
- `template_tree(*, template) -> list[TemplateNode]` — top objects with their children.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from object_templates.models import ObjectTemplate, TemplateObject


def template_list(*, org, search: str = "") -> QuerySet[ObjectTemplate]:
    templates = ObjectTemplate.objects.filter(org=org)
    if search.strip():
        templates = templates.filter(name__icontains=search.strip())
    return templates.order_by("name", "id")


def template_get(*, org, template_id: int) -> ObjectTemplate:
    template = ObjectTemplate.objects.filter(org=org, pk=template_id).first()
    if template is None:
        raise Http404("No such template in this org.")
    return template


def template_get_by_name(*, org, name: str) -> ObjectTemplate | None:
    return ObjectTemplate.objects.filter(org=org, name__iexact=name.strip()).first()


def template_object_get(*, template: ObjectTemplate, template_object_id: int) -> TemplateObject:
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


def template_tree(*, template: ObjectTemplate) -> list[TemplateNode]:
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


@dataclass
class ObjectPanel:
    """One object of the builder page: its filter dialog's state and, for a top object,
    the child objects it can take (from its describe) and the children added."""

    object: TemplateObject
    fields: list[str] = field(default_factory=list)
    available_children: list[dict] = field(default_factory=list)
    children: list["ObjectPanel"] = field(default_factory=list)
    error: str = ""
    condition: str = ""  # the saved filter, as canonical SOQL
    filter_mode: str = ""
    filter_where: str = ""
    filter_rows: list[dict] = field(default_factory=list)
    filter_error: str = ""
    dialog_open: bool = False

    @property
    def added_relationships(self) -> set[str]:
        return {c.object.relationship_name for c in self.children}


def _panel(obj: TemplateObject, describe, *, with_children: bool) -> ObjectPanel:
    from object_templates.services import TemplateError

    saved = getattr(obj, "filter", None)
    panel = ObjectPanel(
        object=obj,
        condition=saved.condition if saved else "",
        filter_mode=saved.mode if saved else "",
        filter_where=saved.where if saved else "",
        filter_rows=list(saved.rows) if saved else [],
    )
    try:
        panel.fields = describe.field_names(obj.object_name)
        if with_children:
            panel.available_children = describe.children(obj.object_name)
    except TemplateError as exc:
        panel.error = str(exc)
    return panel


def builder_panels(*, template: ObjectTemplate, describe) -> list[ObjectPanel]:
    """The builder's objects, top objects first with their children; `describe` is an
    org describe cache (object_templates.services.OrgDescribe), one call per object."""
    panels = []
    for node in template_tree(template=template):
        panel = _panel(node.object, describe, with_children=True)
        panel.children = [_panel(c, describe, with_children=False) for c in node.children]
        panels.append(panel)
    return panels
