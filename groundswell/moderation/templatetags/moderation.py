"""The moderator's view of an item's words: flagged spans marked, each with its reason."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from groundswell.moderation import holds
from groundswell.moderation.models import ModerationItem

register = template.Library()


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    reason: str


def spans(item: ModerationItem, phrases: list[str]) -> list[Span]:
    """The guard's findings and the held phrases, earliest first, none overlapping."""
    found = [
        Span(int(f["start"]), int(f["end"]), str(f["reason"]))
        for f in item.findings
        if 0 <= int(f["start"]) < int(f["end"]) <= len(item.text)
    ]
    found += [
        Span(h.start, h.end, _("held phrase “%(phrase)s”") % {"phrase": h.phrase})
        for h in holds.find(item.text, phrases)
    ]
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: (s.start, -s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


@register.simple_tag
def marked_text(item: ModerationItem, phrases: list[str]) -> SafeString:
    """The item's text, escaped, with each flagged span in <mark> followed by its reason
    for screen readers (the list of reasons under the text is the visible key)."""
    out: list[str] = []
    at = 0
    for span in spans(item, phrases):
        out.append(escape(item.text[at : span.start]))
        out.append(
            f"<mark>{escape(item.text[span.start : span.end])}</mark>"
            f'<span class="visually-hidden"> ({escape(_("flagged"))}: {escape(span.reason)})</span>'
        )
        at = span.end
    out.append(escape(item.text[at:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


@register.simple_tag
def flag_reasons(item: ModerationItem, phrases: list[str]) -> list[Span]:
    return spans(item, phrases)


@register.filter
def span_text(item: ModerationItem, span: Span) -> str:
    return item.text[span.start : span.end]
