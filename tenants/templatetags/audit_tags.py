"""`{{ event.action|audit_label }}`: an audit action's label (tenants.audit.Action)."""

from django import template

from tenants.audit import action_label

register = template.Library()


@register.filter
def audit_label(action: str) -> str:
    return action_label(action)
