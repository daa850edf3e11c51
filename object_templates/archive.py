"""What only archive templates have: dependent children and "Retain this object".

- `add_dependents(*, top, describe) -> list[TemplateObject]` — the children Salesforce
  deletes with `top` (cascadeDelete relationships: master-detail, cascade lookups, files
  through ContentDocumentLink, Attachments, Notes, Tasks/Events of the record) or that
  make it refuse `top`'s delete (restrictedDelete) are added by themselves and locked,
  as the org's describe says. A child already in the template is left where it is.
- `template_set_retain(*, template_object, retain)` — the shield mark.
- `archive_plan(snapshot) -> dict[str, ObjectPlan]` — per object: "delete" (the archive
  deletes it directly), "cascade" (Salesforce deletes it with its parent) or "keep"
  (archived, stays in Salesforce), with the reason the builder shows.

The rules (the worked examples of the guide's "Retain This Object"):
- a top object is kept when retained, else deleted;
- under a kept parent, a child is kept when retained, else deleted directly;
- under a deleted parent, a cascade child is deleted with it (retained or not), a
  restricted child is deleted first (or the parent's delete is refused), and an
  ordinary lookup child is kept when retained, else deleted directly.
"""

from dataclasses import dataclass

from django.db import transaction

from object_templates.models import ObjectTemplate, TemplateObject

CASCADE = "cascade"
RESTRICT = "restrict"
DELETE, CASCADED, KEEP = "delete", "cascade", "keep"

# Children that are not data an admin archives (the org keeps or rebuilds them).
_NOISE_SUFFIXES = ("Share", "History", "Feed", "ChangeEvent", "CleanInfo")


@dataclass(frozen=True)
class ObjectPlan:
    name: str
    action: str  # DELETE, CASCADED or KEEP
    reason: str
    parent: str = ""
    field: str = ""
    dependency: str = ""
    retain: bool = False
    depth: int = 0


def dependency_of(rel: dict) -> str:
    if rel.get("cascadeDelete"):
        return CASCADE
    if rel.get("restrictedDelete"):
        return RESTRICT
    return ""


def mark_dependency(obj: TemplateObject, describe) -> None:
    """Set a child's dependency (and lock) from its parent's describe."""
    if obj.parent is None or describe is None:
        return
    parent = describe.require(obj.parent.object_name)
    for rel in parent.get("childRelationships", []):
        if rel.get("childSObject") == obj.object_name and rel.get("field") == (
            obj.relationship_field
        ):
            obj.dependency = dependency_of(rel)
            obj.locked = bool(obj.dependency)
            obj.save(update_fields=["dependency", "locked"])
            return


def dependent_relationships(describe, parent_name: str) -> list[dict]:
    """The parent's cascade / restricted child relationships the template can read."""
    catalog = describe.catalog()
    out, seen = [], set()
    for rel in describe.require(parent_name).get("childRelationships", []):
        child = rel.get("childSObject", "")
        dependency = dependency_of(rel)
        if (
            not dependency
            or not rel.get("relationshipName")
            or child.lower() not in catalog
            or child == parent_name
            or child.endswith(_NOISE_SUFFIXES)
            or rel.get("field") in ("CreatedById", "LastModifiedById")
            or child in seen
        ):
            continue
        child_fields = {f["name"] for f in (describe(child) or {}).get("fields", [])}
        if rel.get("field") not in child_fields:
            continue  # the org's child object has no such field (not readable here)
        seen.add(child)
        out.append(
            {
                "name": catalog[child.lower()],
                "relationship": rel["relationshipName"],
                "field": rel["field"],
                "dependency": dependency,
            }
        )
    return sorted(out, key=lambda r: r["name"])


def add_dependents(*, top: TemplateObject, describe, retained=frozenset()) -> list[TemplateObject]:
    template = top.template
    if template.kind != ObjectTemplate.Kind.ARCHIVE or top.parent_id is not None:
        return []
    present = set(
        TemplateObject.objects.filter(template=template).values_list("object_name", flat=True)
    )
    added = []
    for rel in dependent_relationships(describe, top.object_name):
        if rel["name"] in present:
            continue
        present.add(rel["name"])
        added.append(
            TemplateObject.objects.create(
                template=template,
                parent=top,
                object_name=rel["name"],
                relationship_name=rel["relationship"],
                relationship_field=rel["field"],
                dependency=rel["dependency"],
                locked=True,
                retain=rel["name"].lower() in retained or rel["relationship"].lower() in retained,
            )
        )
    return added


@transaction.atomic
def template_set_retain(*, template_object: TemplateObject, retain: bool) -> TemplateObject:
    from object_templates.services import TemplateError, _touch

    if template_object.template.kind != ObjectTemplate.Kind.ARCHIVE:
        raise TemplateError("Retain this object applies to archive templates only.")
    template_object.retain = bool(retain)
    template_object.save(update_fields=["retain"])
    _touch(template_object.template)
    return template_object


def archive_plan(snapshot: dict) -> dict[str, ObjectPlan]:
    """object name -> its plan, from a template spec or snapshot (template_spec shape)."""
    plans: dict[str, ObjectPlan] = {}
    for entry in snapshot.get("objects", []):
        top = entry["name"]
        retain = bool(entry.get("retain"))
        top_action = KEEP if retain else DELETE
        plans[top] = ObjectPlan(
            name=top,
            action=top_action,
            reason="Retained: archived and kept in Salesforce."
            if retain
            else "Archived, then deleted from Salesforce.",
            retain=retain,
        )
        for child in entry.get("children", []):
            name, dep, keep = child["name"], child.get("dependency", ""), bool(child.get("retain"))
            if top_action == KEEP:
                action = KEEP if keep else DELETE
                reason = (
                    "Retained: archived and kept in Salesforce."
                    if keep
                    else f"Archived, then deleted from Salesforce ({top} is kept)."
                )
            elif dep == CASCADE:
                action = CASCADED
                reason = (
                    f"Retained, but still deleted: Salesforce deletes it with its {top}."
                    if keep
                    else f"Deleted by Salesforce with its {top} (cascade delete)."
                )
            elif dep == RESTRICT:
                action = DELETE
                reason = (
                    f"Retained, but still deleted: Salesforce refuses to delete a {top} "
                    "that has one, so it is deleted before its parent."
                    if keep
                    else f"Deleted before its {top} (Salesforce refuses the {top}'s delete "
                    "while it exists)."
                )
            else:
                action = KEEP if keep else DELETE
                reason = (
                    f"Retained: it does not depend on its {top}, so it stays in Salesforce "
                    "(its link to the deleted parent is cleared)."
                    if keep
                    else "Archived, then deleted from Salesforce."
                )
            plans[name] = ObjectPlan(
                name=name,
                action=action,
                reason=reason,
                parent=top,
                field=child.get("field", ""),
                dependency=dep,
                retain=keep,
                depth=1,
            )
    return plans


def deleted_and_kept(snapshot: dict) -> tuple[set[str], set[str]]:
    """(objects deleted from Salesforce, directly or in cascade; objects kept)."""
    plans = with_files(archive_plan(snapshot))
    deleted = {n for n, p in plans.items() if p.action in (DELETE, CASCADED)}
    return deleted, {n for n, p in plans.items() if p.action == KEEP}


FILE_LINK = "ContentDocumentLink"


def with_files(plans: dict[str, ObjectPlan]) -> dict[str, ObjectPlan]:
    """Files linked through ContentDocumentLink: deleting a record (or its link) leaves the
    file itself in Salesforce, so an archive that takes the links also archives the files
    (ContentDocument, and every ContentVersion with its body) and deletes the files
    (Salesforce deletes their versions and links with them) unless the links are kept."""
    link = plans.get(FILE_LINK)
    if link is None:
        return plans
    gone = link.action in (DELETE, CASCADED)
    out = dict(plans)
    out["ContentDocument"] = ObjectPlan(
        name="ContentDocument",
        action=DELETE if gone else KEEP,
        reason="The files of the archived links: deleted from Salesforce."
        if gone
        else "The files of the archived links: kept with their links.",
        parent=FILE_LINK,
        retain=not gone,
        depth=2,
    )
    out["ContentVersion"] = ObjectPlan(
        name="ContentVersion",
        action=CASCADED if gone else KEEP,
        reason="Every version of an archived file, with its body: deleted with the file."
        if gone
        else "Every version of an archived file, with its body.",
        parent="ContentDocument",
        field="ContentDocumentId",
        dependency=CASCADE,
        retain=not gone,
        depth=3,
    )
    return out
