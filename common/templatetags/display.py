"""Display filters and tags for any page: durations as HH:MM:SS, record field values,
sorting and query-string links. Load with {% load display %}."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def hms(value: timedelta | None) -> str:
    """A duration as HH:MM:SS ("—" when the job has not started)."""
    if value is None:
        return "—"
    seconds = max(int(value.total_seconds()), 0)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@register.filter
def field_value(value) -> str:
    """A record field for display: empty for null, lowercase booleans as Salesforce shows them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@register.simple_tag(takes_context=True)
def sort_url(context, column: str) -> str:
    """A link that sorts by `column`, flipping the direction when it is already the sort."""
    query = context["request"].GET.copy()
    query["sort"] = f"-{column}" if context.get("sort") == column else column
    query.pop("page", None)
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def with_params(context, **params) -> str:
    """The current query string with some parameters replaced (page reset to 1)."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    for name, value in params.items():
        if value in ("", None):
            query.pop(name, None)
        else:
            query[name] = str(value)
    return "?" + query.urlencode()


@register.filter
def get_item(mapping: dict, key):
    """mapping[key], or an empty dict when it is missing (rows whose fields were not read)."""
    return mapping.get(key, {}) if mapping else {}
