"""Backup templates for page tests, without Salesforce: rows made directly, as
template_services would save them (a filter's condition is canonical SOQL)."""

from object_templates.models import ObjectTemplate, TemplateFilter, TemplateObject


def make_template(org, name: str = "Banking accounts", **extra) -> ObjectTemplate:
    return ObjectTemplate.objects.create(tenant_id=org.tenant_id, org=org, name=name, **extra)


def add_object(template, name: str, *, parent=None, relationship="", field="", condition=""):
    obj = TemplateObject.objects.create(
        template=template,
        parent=parent,
        object_name=name,
        relationship_name=relationship,
        relationship_field=field,
    )
    if condition:
        TemplateFilter.objects.create(
            template_object=obj, mode=TemplateFilter.Mode.SOQL, where=condition, condition=condition
        )
    return obj


def isolation_template(a) -> ObjectTemplate:
    """Tenant A's template for the tenant-isolation walk (one per TenantA)."""
    if not hasattr(a, "_template"):
        a._template = make_template(a.org)
        a._template_object = add_object(a._template, "Account", condition="Industry = 'Banking'")
    return a._template


def isolation_template_object(a) -> TemplateObject:
    isolation_template(a)
    return a._template_object
