"""Send an email rendered from a pair of templates: emails/<name>.txt and .html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """A link for an email: SITE_URL joined with a path from reverse()."""
    return settings.SITE_URL + path


def send_templated_email(*, to: list[str], subject: str, template: str, context: dict) -> None:
    """Render templates/emails/<template>.txt (body) and .html (alternative) and send."""
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()
