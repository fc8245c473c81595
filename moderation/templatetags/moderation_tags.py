from django import template
from django.utils.safestring import mark_safe

from portal.sanitize import sanitize_html

register = template.Library()


@register.filter
def sanitized(html):
    """A message body: stored sanitised, sanitised again when rendered (the allow-list
    may have narrowed since)."""
    return mark_safe(sanitize_html(html))  # noqa: S308 (nh3's output)


@register.filter
def filesize_fr(size):
    if size is None:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} Ko"
    return f"{size / 1048576:.1f} Mo".replace(".", ",")
