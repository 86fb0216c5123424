from django import template
from django.conf import settings

register = template.Library()


@register.filter
def absolute(path: str) -> str:
    """An absolute URL on this site, for link previews and feeds."""
    if not path:
        return ""
    return path if "://" in path else settings.SITE_URL + path


@register.filter
def email_name(value: str | None) -> str:
    """A stranger's name made safe to print in an email (see lib/names.py)."""
    from groundswell.lib.names import email_name as clean

    return clean(value)


@register.filter
def rtl(code: str) -> bool:
    from groundswell.lib.languages import is_rtl

    return is_rtl(code)
