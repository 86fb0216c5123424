"""Fediverse replies in the moderation queue: federation's kind and what it hands over.

The queue keeps the state; a reply is shown when its item is approved (models.py,
`InteractionQuerySet.shown_under`). Only public replies are queued: a reply its author
addressed to us alone can never be shown, so there is nothing to decide.
"""

from __future__ import annotations

import html
import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.moderation import registry
from groundswell.moderation import services as moderation
from groundswell.moderation.models import ModerationItem

from .models import Interaction

KIND = "fediverse.reply"

# A language tag as BCP 47 shapes it (en, pt-BR, zh-Hant-TW), short enough to store.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
BLOCK_END = re.compile(r"</(p|div|li|blockquote|h[1-6])\s*>|<br\s*/?>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def _refuse(item: ModerationItem) -> str | None:
    if not Interaction.objects.filter(moderation=item, public=True).exists():
        return _("Its author did not make this reply public, so it cannot be shown on the site.")
    return None


REPLY = registry.Kind(name=KIND, label=gettext_lazy("Fediverse reply"), refuse_approval=_refuse)


def register() -> None:
    registry.register(REPLY)


def plain_text(content_html: str) -> str:
    """The words of a cleaned reply as a moderator reads them: paragraphs kept as lines."""
    text = BLOCK_END.sub("\n", content_html)
    text = html.unescape(TAG.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def language_of(note: dict[str, Any], activity: dict[str, Any] | None = None) -> str:
    """The language the author declared: the one key of `contentMap` (or the key whose text
    is `content`), else a `language` field, else `@language` in the JSON-LD context.
    '' when nothing trustworthy says it: we never guess."""
    found = ""
    content_map = note.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        keys = [key for key in content_map if isinstance(key, str)]
        same = [key for key in keys if content_map[key] == note.get("content")]
        found = (same or keys or [""])[0]
    if not found and isinstance(note.get("language"), str):
        found = note["language"]
    if not found:
        for document in (note, activity or {}):
            context = document.get("@context")
            for entry in context if isinstance(context, list) else [context]:
                if isinstance(entry, dict) and isinstance(entry.get("@language"), str):
                    found = found or entry["@language"]
    found = found.strip()
    return found if len(found) <= 35 and LANGUAGE_TAG.match(found) else ""


def submission(reply: Interaction, language: str) -> registry.Submission:
    actor = reply.actor
    return registry.Submission(
        text=plain_text(reply.content_html),
        author_key=actor.uri,
        author_label=f"{actor.name} ({actor.handle})" if actor.name else actor.handle,
        author_url=actor.url or actor.uri,
        language=language,
        context_label=reply.story.title,
        public_url=reply.story.get_absolute_url(),
        source_url=reply.url,
    )


def queue_reply(reply: Interaction, language: str) -> None:
    """Put a public reply (new, or with changed words) in the queue; run in the worker,
    in the transaction that saved the reply."""
    if not reply.public:
        return
    item = reply.moderation
    if item is not None and not language:
        language = item.language  # an Update that names no language keeps the first one
    queued = moderation.submit(
        KIND, reply.story.organisation, submission(reply, language), item=item
    )
    if item is None:
        Interaction.objects.filter(pk=reply.pk).update(moderation=queued)
        reply.moderation = queued


def forget(replies: Any) -> None:
    """The author deleted their replies (or their account): their words leave the queue."""
    ids = [pk for pk in replies.values_list("moderation_id", flat=True) if pk]
    moderation.withdraw(ids)
