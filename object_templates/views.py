"""Backup & Archive → Templates (list, builder) and Create Backup → Templated Backup.

The org comes from orgs.selectors.org_get (another tenant's id is 404) and the template
from template_selectors.template_get(org=...). The builder saves each change at once
(add objects, add a child, set a filter, remove); a refused filter re-renders the page
with its dialog open and the parser's message in it. Describes are fetched once per
request (OrgDescribe).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from common.pagination import paginate
from object_templates import selectors, services
from object_templates.archive import archive_plan, template_set_retain, with_files
from object_templates.forms import OPERATORS, FilterForm, TemplateForm
from object_templates.models import ObjectTemplate
from orgs.models import Org
from orgs.selectors import catalog_entries, org_get
from tenants.access import admin_required

NAV = "backup_templates"


def _org(request, org_id: int) -> Org:
    return org_get(tenant=request.user.tenant, org_id=org_id)


def _template(request, org_id: int, template_id: int):
    return selectors.template_get(org=_org(request, org_id), template_id=template_id)


def _object(request, org_id: int, template_id: int, template_object_id: int):
    template = _template(request, org_id, template_id)
    return selectors.template_object_get(template=template, template_object_id=template_object_id)


def _edit(template):
    return redirect("templates:edit", org_id=template.org_id, template_id=template.pk)


def _builder(request, template, *, form=None, status=200, open_filter=None):
    """The builder page; `open_filter` = (object id, mode, where, rows, message)."""
    describe = services.OrgDescribe(template.org)
    panels = selectors.builder_panels(template=template, describe=describe)
    added = {p.object.object_name for p in panels} | {
        c.object.object_name for p in panels for c in p.children
    }
    plans = (
        with_files(archive_plan(services.template_spec(template)))
        if template.kind == ObjectTemplate.Kind.ARCHIVE
        else {}
    )
    for panel in [p for top in panels for p in (top, *top.children)]:
        panel.plan = plans.get(panel.object.object_name)
        if open_filter and panel.object.pk == open_filter[0]:
            _, panel.filter_mode, panel.filter_where, panel.filter_rows, panel.filter_error = (
                open_filter
            )
            panel.dialog_open = True
        panel.filter_rows = [*panel.filter_rows, {"field": "", "operator": "equals", "value": ""}]
    initial = {"name": template.name, "description": template.description}
    context = {
        "org": template.org,
        "template": template,
        "form": form or TemplateForm(initial=initial),
        "panels": panels,
        "available": [
            e for e in catalog_entries(org=template.org) if e.queryable and e.name not in added
        ],
        "operators": OPERATORS,
        "active_nav": NAV,
    }
    return render(request, "object_templates/edit.html", context, status=status)


# --- list, create, edit, delete ---------------------------------------------------------


@login_required
def template_list(request, org_id: int):
    org = _org(request, org_id)
    search = request.GET.get("q", "")
    pagination = paginate(request, selectors.template_list(org=org, search=search))
    context = {"org": org, "pagination": pagination, "q": search, "active_nav": NAV}
    return render(request, "object_templates/list.html", context)


@admin_required
def template_new(request, org_id: int):
    org = _org(request, org_id)
    form = TemplateForm(request.POST or None)
    kind = request.GET.get("kind", ObjectTemplate.Kind.BACKUP)
    kind = kind if kind in ObjectTemplate.Kind.values else ObjectTemplate.Kind.BACKUP
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(
                org=org, created_by=request.user, kind=kind, **form.cleaned_data
            )
            return _edit(template)
        except services.TemplateError as exc:
            form.add_error(None, str(exc))
    context = {"org": org, "form": form, "active_nav": NAV}
    return render(request, "object_templates/new.html", context)


@admin_required
def template_edit(request, org_id: int, template_id: int):
    template = _template(request, org_id, template_id)
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(template=template, **form.cleaned_data)
            messages.success(request, f"Template {template.name} saved.")
            return _edit(template)
        except services.TemplateError as exc:
            form.add_error(None, str(exc))
    return _builder(request, template, form=form if request.method == "POST" else None)


@require_POST
@admin_required
def template_delete(request, org_id: int, template_id: int):
    template = _template(request, org_id, template_id)
    try:
        services.template_delete(template=template)
        messages.success(request, f"Template {template.name} deleted.")
    except services.TemplateError as exc:
        messages.error(request, str(exc))
    return redirect("templates:list", org_id=template.org_id)


# --- the builder's actions -------------------------------------------------------------


@require_POST
@admin_required
def objects_add(request, org_id: int, template_id: int):
    template = _template(request, org_id, template_id)
    names = request.POST.getlist("objects")
    try:
        services.template_add_objects(template=template, names=names)
    except services.TemplateError as exc:
        messages.error(request, str(exc))
    if not names:
        messages.info(request, "Check one or more objects in the Add object menu, then Add.")
    return _edit(template)


@require_POST
@admin_required
def child_add(request, org_id: int, template_id: int, template_object_id: int):
    obj = _object(request, org_id, template_id, template_object_id)
    relationship = request.POST.get("relationship", "")
    try:
        services.template_add_child(template_object=obj, relationship=relationship)
    except services.TemplateError as exc:
        messages.error(request, str(exc))
    return _edit(obj.template)


@require_POST
@admin_required
def object_remove(request, org_id: int, template_id: int, template_object_id: int):
    obj = _object(request, org_id, template_id, template_object_id)
    services.template_remove_object(template_object=obj)
    messages.success(request, f"{obj.object_name} removed from the template.")
    return _edit(obj.template)


@require_POST
@admin_required
def filter_apply(request, org_id: int, template_id: int, template_object_id: int):
    obj = _object(request, org_id, template_id, template_object_id)
    form = FilterForm(request.POST)
    mode, where, rows = form.state()
    clear = bool(request.POST.get("clear"))
    try:
        if not clear and not form.is_valid():
            raise services.TemplateError(form.error_text())
        services.template_set_filter(
            template_object=obj, mode="" if clear else mode, rows=rows, where=where
        )
    except services.TemplateError as exc:
        state = (obj.pk, mode, where, rows, str(exc))
        return _builder(request, obj.template, status=400, open_filter=state)
    return _edit(obj.template)


@require_POST
@admin_required
def filter_count(request, org_id: int, template_id: int, template_object_id: int):
    obj = _object(request, org_id, template_id, template_object_id)
    form = FilterForm(request.POST)
    context = {"object": obj}
    try:
        if not form.is_valid():
            raise services.TemplateError(form.error_text())
        mode, where, rows = form.state()
        context["count"] = services.template_object_count(
            template_object=obj, mode=mode, rows=rows, where=where
        )
    except services.TemplateError as exc:
        context["error"] = str(exc)
    return render(request, "object_templates/partials/count.html", context)


@require_POST
@admin_required
def object_retain(request, org_id: int, template_id: int, template_object_id: int):
    """Retain this object (archive templates): archived, and kept in Salesforce."""
    template_object = _object(request, org_id, template_id, template_object_id)
    try:
        template_set_retain(
            template_object=template_object, retain=request.POST.get("retain") == "on"
        )
    except services.TemplateError as exc:
        messages.error(request, str(exc))
    return _edit(template_object.template)
