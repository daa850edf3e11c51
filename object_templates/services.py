"""Writes for object templates, filter checks and Count records (templated operations
such as Templated Backup keep a `template_snapshot` in their job settings).

- `template_create(*, org, name, description="", objects=(), created_by=None,
  describe=None) -> ObjectTemplate` — objects in the JSON shape of `template_create
  --from-json` (below); one transaction, so a refused filter leaves nothing saved.
- `template_update(*, template, name, description) -> ObjectTemplate`
- `template_add_objects(*, template, names, describe=None) -> list[TemplateObject]`
- `template_add_child(*, template_object, relationship, describe=None) -> TemplateObject`
- `template_remove_object(*, template_object) -> None` (its children go with it)
- `template_set_filter(*, template_object, mode, rows=None, where="", describe=None)`;
  `mode=""` clears the filter.
- `template_delete(*, template) -> None` — TemplateError while a schedule uses it.
- `filter_condition(*, describe, object_name, mode, rows=None, where="") -> str` — the
  canonical SOQL condition; TemplateError with the parser's message when invalid (both
  modes go through soql's limits: no NUL, nesting, strings of at most 4,000 characters).
  Saving (and Count records) also refuses a filter whose read query — every field of the
  object, the filter, a child's parent filter, ENGINE_RESERVE — would pass Salesforce's
  100,000 characters, naming that limit.
- `records_count(*, org, object_name, where, describe=None) -> int` — `SELECT COUNT()`
  (queryAll, as a backup reads); `template_object_count(*, template_object, mode, rows=None,
  where="")` — the Count records button (a child: only children of selected parents).
- `template_spec(template) -> dict`, `template_snapshot(template) -> dict`,
  `object_wheres(snapshot) -> dict[str, str]` (the engine's filter per object).

JSON shape: {"name", "description", "objects": [{"name": "Account", "filter":
{"soql": "Industry = 'Banking'"} | {"declarative": [{"field", "operator", "value"}]},
"children": [{"name": "Contact", "relationship": "Contacts", "filter": ...}]}]}
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

import soql
from object_templates.models import ObjectTemplate, TemplateFilter, TemplateObject
from orgs.selectors import catalog_entries
from orgs.services import org_client
from salesforce.errors import SalesforceConnectorError
from salesforce.reads import readable_fields
from schedules.selectors import schedule_names_using_template
from soql.limits import MAX_STATEMENT_CHARS
from vault.services import watermarks_drop

# Characters a templated backup adds to an object's filter when it reads: the incremental
# "SystemModstamp > ..." (and a child's parent-changed alternative), a chunk's Id range.
ENGINE_RESERVE = 300


class TemplateError(ValueError):
    """A template change that cannot be saved; the message says what to fix."""


class OrgDescribe:
    """Describes of one org's objects through the connector, each fetched once.

    Callable as soql.validate's `describe(name)`: the describe dict, or None when the org
    has no such object (names match case-insensitively, as in Salesforce)."""

    def __init__(self, org, client=None) -> None:
        self.org = org
        self._client = client
        self._cache: dict[str, dict | None] = {}
        self._names: dict[str, str] | None = None

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = org_client(self.org)
            except SalesforceConnectorError as exc:
                raise TemplateError(
                    f"Salesforce could not be reached for {self.org.name}: {exc}"
                ) from exc
        return self._client

    def catalog(self) -> dict[str, str]:
        """lower-case name -> name, for the org's queryable objects."""
        if self._names is None:
            self._names = {
                e.name.lower(): e.name for e in catalog_entries(org=self.org) if e.queryable
            }
        return self._names

    def __call__(self, name: str) -> dict | None:
        proper = self.catalog().get(str(name).lower())
        if proper is None:
            return None
        if proper not in self._cache:
            try:
                self._cache[proper] = self.client.describe(proper)
            except SalesforceConnectorError as exc:
                raise TemplateError(f"Salesforce could not describe {proper}: {exc}") from exc
        return self._cache[proper]

    def require(self, name: str) -> dict:
        describe = self(name)
        if describe is None:
            raise TemplateError(
                f"'{name}' is not an object this org lets us query: pick one from the "
                "Add object menu (run the connection check if it is new)."
            )
        return describe

    def children(self, name: str) -> list[dict]:
        """The object's child relationships whose child object can be queried."""
        rows = []
        for rel in self.require(name).get("childRelationships", []):
            child = rel.get("childSObject", "")
            if rel.get("relationshipName") and child.lower() in self.catalog():
                rows.append(
                    {
                        "name": child,
                        "relationship": rel["relationshipName"],
                        "field": rel.get("field", ""),
                    }
                )
        return sorted(rows, key=lambda r: (r["name"], r["relationship"]))

    def field_names(self, name: str) -> list[str]:
        return sorted(f["name"] for f in self.require(name).get("fields", []))


# --- filters --------------------------------------------------------------------------


def filter_condition(*, describe, object_name: str, mode: str, rows=None, where="") -> str:
    """Compile and check a filter against the object's fields; the canonical condition."""
    desc = describe.require(object_name)
    condition: soql.ast.Condition | None
    try:
        if mode == TemplateFilter.Mode.SOQL:
            text = (where or "").strip()
            if not text:
                raise TemplateError("Type a WHERE clause, e.g. Industry = 'Banking'.")
            condition = soql.parse_where(text)
        elif mode == TemplateFilter.Mode.DECLARATIVE:
            _check_rows(rows or [])
            rows = [r for r in rows or [] if str(r.get("field") or "").strip()]
            types = {f["name"]: f.get("type", "") for f in desc.get("fields", [])}
            condition = soql.declarative_to_condition(rows, field_types=types)
            if condition is None:  # no rows
                raise TemplateError("Add at least one condition: a field, an operator, a value.")
            # The rows' SOQL goes through the parser's limits too (string length, size).
            soql.parse_where(soql.render_condition(condition))
            text = ""
        else:
            raise TemplateError(f"Unknown filter mode '{mode}': use declarative or soql.")
        query = soql.ast.Query(
            fields=(soql.ast.FieldRef(("Id",)),),
            sobject=desc["name"],
            where=condition,
            source=text,
        )
        soql.validate(query, describe, source=text)
        if _has_subquery(condition):
            raise TemplateError(
                "A template filter cannot use a subquery (IN (SELECT ...)): add the related "
                "object as a child object instead, it is read through its parents."
            )
    except soql.SoqlError as exc:
        raise TemplateError(exc.salesforce_message().strip()) from None
    except soql.FilterError as exc:
        raise TemplateError(str(exc)) from None
    return soql.render_condition(condition)


def _check_rows(rows: list) -> None:
    """Declarative rows as a command's JSON may hold them: objects of text, no NUL."""
    for row in rows:
        if not isinstance(row, dict):
            raise TemplateError(
                'Each declarative condition is {"field": ..., "operator": ..., "value": ...}.'
            )
        for key in ("field", "operator", "value"):
            values = row.get(key)
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str) and "\x00" in value:
                    raise TemplateError(
                        f"The {key} of the condition on {str(row.get('field'))[:80]!r} contains "
                        "a NUL character (\\x00), which Salesforce refuses: remove it."
                    )


def _read_query_length(describe, object_name: str, where: str) -> int:
    """The length of the longest query a templated operation sends to read the object:
    every readable field, the filter, and ENGINE_RESERVE for the engine's own conditions."""
    desc = describe.require(object_name)
    fields = ", ".join(f["name"] for f in readable_fields(desc))
    text = f"SELECT {fields} FROM {desc['name']} WHERE ({where})"  # noqa: S608 - length only
    return len(text) + ENGINE_RESERVE


def _check_query_length(
    describe, template_object: TemplateObject, condition: str, *, children: bool = True
) -> None:
    """Refuse a filter whose read query (or, with `children`, a child's through this
    parent) would be longer than Salesforce accepts: when saved, not when a backup runs."""
    parent = template_object.parent
    reads: list[tuple[str, str, str]] = []  # (object, where, what the filter is part of)
    if parent is not None:
        saved = TemplateFilter.objects.filter(template_object=parent).first()
        where = child_where(
            field=template_object.relationship_field,
            parent=parent.object_name,
            parent_condition=saved.condition if saved else "",
            condition=condition,
        )
        reads.append((template_object.object_name, where, f"{parent.object_name}'s filter"))
    else:
        reads.append((template_object.object_name, condition, ""))
        kids = TemplateObject.objects.filter(parent=template_object).select_related("filter")
        for child in kids if children else ():
            where = child_where(
                field=child.relationship_field,
                parent=template_object.object_name,
                parent_condition=condition,
                condition=child.filter.condition if hasattr(child, "filter") else "",
            )
            reads.append((child.object_name, where, f"{child.object_name}'s filter"))
    for name, where, also in reads:
        length = _read_query_length(describe, name, where)
        if length > MAX_STATEMENT_CHARS:
            parts = "its fields, this filter" + (f", {also}" if also else "")
            raise TemplateError(
                f"With this filter, reading {name} takes a SOQL query of about {length:,} "
                f"characters ({parts} and the backup's own conditions); Salesforce accepts "
                f"SOQL statements of at most {MAX_STATEMENT_CHARS:,} characters. Shorten the "
                f"filter by at least {length - MAX_STATEMENT_CHARS:,} characters (a long IN "
                "list is usually the cause: select the records by another field)."
            )


def _has_subquery(expr) -> bool:
    """Salesforce does not nest semi-joins, and children are read through one."""
    if isinstance(expr, soql.ast.InSubquery):
        return True
    if isinstance(expr, soql.ast.And | soql.ast.Or):
        return any(_has_subquery(item) for item in expr.items)
    if isinstance(expr, soql.ast.Not):
        return _has_subquery(expr.item)
    return False


def _filter_from_spec(spec) -> tuple[str, list, str]:
    """(mode, rows, where) from {"soql": text} or {"declarative": rows}."""
    if not spec:
        return "", [], ""
    shape = 'A filter is {"soql": "<WHERE clause>"} or {"declarative": [rows]}.'
    if not isinstance(spec, dict):
        raise TemplateError(shape)
    if isinstance(spec.get("soql"), str):
        return TemplateFilter.Mode.SOQL, [], spec["soql"]
    if isinstance(spec.get("declarative"), list):
        return TemplateFilter.Mode.DECLARATIVE, spec["declarative"], ""
    raise TemplateError(shape)


def _filter_spec(template_object: TemplateObject) -> dict | None:
    flt = getattr(template_object, "filter", None)
    if flt is None:
        return None
    if flt.mode == TemplateFilter.Mode.SOQL:
        return {"soql": flt.where}
    return {"declarative": flt.rows}


def records_count(*, org, object_name: str, where: str, describe=None) -> int:
    """How many records (Recycle Bin included, as a backup reads them) match `where`."""
    describe = describe or OrgDescribe(org)
    name = describe.require(object_name)["name"]
    # `name` comes from the describe; `where` is a condition rendered by soql (checked).
    text = f"SELECT COUNT() FROM {name}"  # noqa: S608
    if where:
        text += f" WHERE {where}"
    try:
        body = describe.client.get_json("queryAll/", q=text)
    except SalesforceConnectorError as exc:
        raise TemplateError(f"Salesforce could not count {name}: {exc}") from exc
    return int(body.get("totalSize", 0))


def template_object_count(
    *, template_object: TemplateObject, mode: str, rows=None, where: str = "", describe=None
) -> int:
    """The Count records button: how many records this object would back up with the
    filter as typed (a child: only those of the parents the parent's filter selects)."""
    describe = describe or OrgDescribe(template_object.template.org)
    name = template_object.object_name
    condition = ""
    if mode:
        condition = filter_condition(
            describe=describe, object_name=name, mode=mode, rows=rows, where=where
        )
    _check_query_length(describe, template_object, condition, children=False)
    parent = template_object.parent
    if parent is not None:
        saved = TemplateFilter.objects.filter(template_object=parent).first()
        condition = child_where(
            field=template_object.relationship_field,
            parent=parent.object_name,
            parent_condition=saved.condition if saved else "",
            condition=condition,
        )
    return records_count(
        org=template_object.template.org, object_name=name, where=condition, describe=describe
    )


# --- templates ------------------------------------------------------------------------


def _touch(template: ObjectTemplate) -> None:
    """Any change: a new revision (a new series of watermarks) and a new modified time."""
    ObjectTemplate.objects.filter(pk=template.pk).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
    template.refresh_from_db(fields=["revision", "updated_at"])


NAME_MAX_LENGTH: int = ObjectTemplate._meta.get_field("name").max_length or 200


def _check_text(label: str, value) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"The template's {label} must be text.")
    if "\x00" in value:
        raise TemplateError(f"The template's {label} contains a NUL character (\\x00): remove it.")
    return value.strip()


def _check_name(org, name, exclude_id: int | None = None) -> str:
    name = _check_text("name", name or "")
    if not name:
        raise TemplateError("Give the template a name.")
    if len(name) > NAME_MAX_LENGTH:
        raise TemplateError(
            f"The template name is {len(name):,} characters long: use at most "
            f"{NAME_MAX_LENGTH} characters."
        )
    taken = ObjectTemplate.objects.filter(org=org, name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise TemplateError(f"A template named '{name}' already exists; pick another name.")
    return name


def _new_object(
    template, name, *, parent=None, relationship="", field="", retain=False
) -> TemplateObject:
    if TemplateObject.objects.filter(template=template, object_name=name).exists():
        raise TemplateError(
            f"{name} is already in this template; an object can be added only once."
        )
    obj = TemplateObject.objects.create(
        template=template,
        parent=parent,
        object_name=name,
        relationship_name=relationship,
        relationship_field=field,
        retain=bool(retain) and template.kind == ObjectTemplate.Kind.ARCHIVE,
    )
    if template.kind == ObjectTemplate.Kind.ARCHIVE:
        from object_templates.archive import mark_dependency

        mark_dependency(obj, describe_of_template.get(template.pk))
    return obj


# The OrgDescribe of a template being edited in this call (archive templates need the
# parent's describe to mark a child's dependency); set by the services below.
describe_of_template: dict[int, Any] = {}


def _save_filter(template_object, describe, mode, rows, where) -> None:
    condition = filter_condition(
        describe=describe,
        object_name=template_object.object_name,
        mode=mode,
        rows=rows,
        where=where,
    )
    _check_query_length(describe, template_object, condition)
    TemplateFilter.objects.update_or_create(
        template_object=template_object,
        defaults={
            "mode": mode,
            "rows": rows if mode == TemplateFilter.Mode.DECLARATIVE else [],
            "where": where.strip() if mode == TemplateFilter.Mode.SOQL else "",
            "condition": condition,
        },
    )


def _child_link(describe, parent_name: str, child: dict) -> dict:
    """The child relationship of `parent_name` named by `child` (relationship or name)."""
    relationships = describe.children(parent_name)
    wanted = str(child.get("relationship") or "").lower()
    name = str(child.get("name") or "").lower()
    for rel in relationships:
        if wanted and rel["relationship"].lower() == wanted:
            return rel
    matches = [r for r in relationships if not wanted and r["name"].lower() == name]
    if len(matches) == 1:
        return matches[0]
    label = child.get("relationship") or child.get("name")
    if len(matches) > 1:
        options = ", ".join(r["relationship"] for r in matches)
        raise TemplateError(
            f"{parent_name} has several {label} relationships: name one of {options}."
        )
    raise TemplateError(f"{parent_name} has no queryable child relationship '{label}'.")


@transaction.atomic
def template_create(
    *, org, name: str, description: str = "", objects: Iterable[dict] = (), created_by=None,
    describe=None, kind: str = ObjectTemplate.Kind.BACKUP,
) -> ObjectTemplate:  # fmt: skip
    describe = describe or OrgDescribe(org)
    now = timezone.now()
    if kind not in ObjectTemplate.Kind.values:
        raise TemplateError(f"A template is a backup or an archive template, not '{kind}'.")
    template = ObjectTemplate.objects.create(
        tenant_id=org.tenant_id,
        org=org,
        kind=kind,
        name=_check_name(org, name),
        description=_check_text("description", description or ""),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    for spec in objects:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise TemplateError(
                'Each object is {"name": "Account", "filter": ..., "children": [...]}.'
            )
        desc = describe.require(spec["name"])
        describe_of_template[template.pk] = describe
        top = _new_object(template, desc["name"], retain=spec.get("retain", False))
        mode, rows, where = _filter_from_spec(spec.get("filter"))
        if mode:
            _save_filter(top, describe, mode, rows, where)
        children = spec.get("children") or []
        if not isinstance(children, list) or not all(isinstance(c, dict) for c in children):
            raise TemplateError(
                f"The children of {desc['name']} are a list like "
                '[{"name": "Contact", "relationship": "Contacts", "filter": ...}].'
            )
        for child in children:
            link = _child_link(describe, desc["name"], child)
            obj = _new_object(
                template,
                link["name"],
                parent=top,
                relationship=link["relationship"],
                field=link["field"],
                retain=child.get("retain", False),
            )
            mode, rows, where = _filter_from_spec(child.get("filter"))
            if mode:
                _save_filter(obj, describe, mode, rows, where)
        if kind == ObjectTemplate.Kind.ARCHIVE:
            from object_templates.archive import add_dependents

            retained = {str(c.get("name", "")).lower() for c in children if c.get("retain")} | {
                str(c.get("relationship", "")).lower() for c in children if c.get("retain")
            }
            add_dependents(top=top, describe=describe, retained=retained)
    describe_of_template.pop(template.pk, None)
    return template


@transaction.atomic
def template_update(*, template: ObjectTemplate, name: str, description: str) -> ObjectTemplate:
    template.name = _check_name(template.org, name, exclude_id=template.pk)
    template.description = _check_text("description", description or "")
    template.updated_at = timezone.now()
    template.save(update_fields=["name", "description", "updated_at"])
    return template


@transaction.atomic
def template_add_objects(
    *, template: ObjectTemplate, names: Iterable[str], describe=None
) -> list[TemplateObject]:
    describe = describe or OrgDescribe(template.org)
    describe_of_template[template.pk] = describe
    try:
        added = [_new_object(template, describe.require(n)["name"]) for n in names]
        if template.kind == ObjectTemplate.Kind.ARCHIVE:
            from object_templates.archive import add_dependents

            for top in list(added):
                added += add_dependents(top=top, describe=describe)
    finally:
        describe_of_template.pop(template.pk, None)
    _touch(template)
    return added


@transaction.atomic
def template_add_child(
    *, template_object: TemplateObject, relationship: str, describe=None
) -> TemplateObject:
    template = template_object.template
    if template_object.parent_id is not None:
        raise TemplateError("Child objects can only be added to a top-level object.")
    describe = describe or OrgDescribe(template.org)
    describe_of_template[template.pk] = describe
    link = _child_link(describe, template_object.object_name, {"relationship": relationship})
    child = _new_object(
        template,
        link["name"],
        parent=template_object,
        relationship=link["relationship"],
        field=link["field"],
    )
    describe_of_template.pop(template.pk, None)
    _touch(template)
    return child


@transaction.atomic
def template_remove_object(*, template_object: TemplateObject) -> None:
    template = template_object.template
    if template_object.locked:
        parent = template_object.parent.object_name if template_object.parent else "its parent"
        raise TemplateError(
            f"{template_object.object_name} cannot be removed: Salesforce deletes it with "
            f"{parent} (or refuses to delete {parent} while it exists), so it is archived too."
        )
    template_object.delete()
    _touch(template)


@transaction.atomic
def template_set_filter(
    *, template_object: TemplateObject, mode: str, rows=None, where: str = "", describe=None
) -> TemplateFilter | None:
    template = template_object.template
    if not mode:
        TemplateFilter.objects.filter(template_object=template_object).delete()
        _touch(template)
        return None
    describe = describe or OrgDescribe(template.org)
    _save_filter(template_object, describe, mode, list(rows or []), where or "")
    _touch(template)
    return TemplateFilter.objects.get(template_object=template_object)


def _schedules_using(template: ObjectTemplate) -> list[str]:
    return schedule_names_using_template(template=template)


@transaction.atomic
def template_delete(*, template: ObjectTemplate) -> None:
    using = _schedules_using(template)
    if using:
        raise TemplateError(
            f"{template.name} is used by the schedule(s) {', '.join(using)}: delete those "
            "schedules first."
        )
    watermarks_drop(org=template.org, scope_prefix=scope_prefix(template.pk))
    template.delete()


# --- snapshots for jobs ---------------------------------------------------------------


def _objects(template: ObjectTemplate) -> list[TemplateObject]:
    return list(
        TemplateObject.objects.filter(template=template)
        .select_related("filter")
        .order_by("object_name", "id")
    )


def template_spec(template: ObjectTemplate) -> dict:
    """The template in the JSON shape `template_create --from-json` reads."""
    objects = _objects(template)
    out = []
    archive = template.kind == ObjectTemplate.Kind.ARCHIVE
    for top in (o for o in objects if o.parent_id is None):
        entry: dict = {"name": top.object_name}
        if archive:
            entry["retain"] = top.retain
        if _filter_spec(top):
            entry["filter"] = _filter_spec(top)
        children = []
        for child in (o for o in objects if o.parent_id == top.pk):
            item: dict[str, Any] = {
                "name": child.object_name,
                "relationship": child.relationship_name,
            }
            if archive:
                item.update(retain=child.retain, dependency=child.dependency, locked=child.locked)
            if _filter_spec(child):
                item["filter"] = _filter_spec(child)
            children.append(item)
        entry["children"] = children
        out.append(entry)
    spec = {"name": template.name, "description": template.description, "objects": out}
    if archive:
        spec["kind"] = template.kind
    return spec


def template_snapshot(template: ObjectTemplate) -> dict:
    """The spec plus what the engine needs: ids, revision, relationship fields, conditions."""
    objects = {o.pk: o for o in _objects(template)}
    spec = template_spec(template)
    spec.update(id=template.pk, revision=template.revision)
    by_name = {o.object_name: o for o in objects.values()}
    for entry in spec["objects"]:
        top = by_name[entry["name"]]
        entry["condition"] = top.filter.condition if hasattr(top, "filter") else ""
        for child in entry["children"]:
            obj = by_name[child["name"]]
            child["field"] = obj.relationship_field
            child["condition"] = obj.filter.condition if hasattr(obj, "filter") else ""
    return spec


def child_where(*, field: str, parent: str, parent_condition: str, condition: str) -> str:
    """A child's records: those whose relationship field points at a selected parent."""
    inner = f"SELECT Id FROM {parent}"  # noqa: S608 - names from the describe
    if parent_condition:
        inner += f" WHERE {parent_condition}"
    semi = f"{field} IN ({inner})"
    return f"({condition}) AND {semi}" if condition else semi


def object_wheres(snapshot: dict) -> dict[str, str]:
    """object name -> the WHERE clause that selects the template's records of it."""
    wheres = {}
    for entry in snapshot.get("objects", []):
        wheres[entry["name"]] = entry.get("condition", "")
        for child in entry.get("children", []):
            wheres[child["name"]] = child_where(
                field=child["field"],
                parent=entry["name"],
                parent_condition=entry.get("condition", ""),
                condition=child.get("condition", ""),
            )
    return wheres


def parent_fields(snapshot: dict) -> dict[str, str]:
    """child object name -> its relationship field to the parent (e.g. AccountId)."""
    return {
        child["name"]: child["field"]
        for entry in snapshot.get("objects", [])
        for child in entry.get("children", [])
    }


def scope_prefix(template_id: int) -> str:
    return f"template:{template_id}:"


def watermark_scope(snapshot: dict) -> str:
    """The template revision's own series of watermarks: a changed template (a new
    revision) reads its data in full on its next run."""
    return f"{scope_prefix(snapshot['id'])}{snapshot['revision']}"
