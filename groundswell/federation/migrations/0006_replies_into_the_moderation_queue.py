"""Every public reply gets its item in the moderation queue, carrying the state it had.

pending stays pending, approved stays approved (by whoever approved it), hidden becomes
rejected with a reason saying where it was hidden. The items are not screened here: the
guard's rules may change after this migration is written, so the worker's
`screen_moderation_items` reads them (within a minute of starting) before any moderator
sees them in the queue. Replies not addressed to the public are never shown and get no item.
"""

import html
import re

from django.db import migrations
from django.urls import reverse

BLOCK_END = re.compile(r"</(p|div|li|blockquote|h[1-6])\s*>|<br\s*/?>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")
STATES = {"pending": "pending", "approved": "approved", "hidden": "rejected"}
HIDDEN_REASON = "Hidden in the fediverse inbox, before the moderation queue existed."


def plain_text(content_html):
    # Frozen here rather than imported: a migration must not change when the code does.
    text = html.unescape(TAG.sub("", BLOCK_END.sub("\n", content_html)))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def forwards(apps, schema_editor):
    Interaction = apps.get_model("federation", "Interaction")
    ModerationItem = apps.get_model("moderation", "ModerationItem")
    replies = (
        Interaction.objects.filter(kind="reply", public=True, moderation__isnull=True)
        .select_related("actor", "story__organisation")
        .order_by("id")
    )
    for reply in replies.iterator(chunk_size=500):
        actor, story = reply.actor, reply.story
        handle = f"@{actor.username}@{actor.domain}" if actor.username else actor.uri
        state = STATES.get(reply.state, "pending")
        decided = state != "pending"
        item = ModerationItem.objects.create(
            organisation=story.organisation,
            kind="fediverse.reply",
            state=state,
            text=plain_text(reply.content_html),
            author_key=actor.uri,
            author_label=f"{actor.name} ({handle})" if actor.name else handle,
            author_url=actor.url or actor.uri,
            context_label=story.title,
            public_url=reverse("stories:detail", args=[story.organisation.slug, story.slug]),
            source_url=reply.url,
            reason=HIDDEN_REASON if state == "rejected" else "",
            decided_by_id=reply.moderated_by_id if decided else None,
            decided_at=reply.updated_at if decided else None,
            submitted_at=reply.created_at,
        )
        Interaction.objects.filter(pk=reply.pk).update(moderation=item)


def backwards(apps, schema_editor):
    Interaction = apps.get_model("federation", "Interaction")
    ModerationItem = apps.get_model("moderation", "ModerationItem")
    back = {"pending": "pending", "approved": "approved", "rejected": "hidden"}
    for reply in Interaction.objects.filter(moderation__isnull=False).select_related(
        "moderation"
    ):
        item = reply.moderation
        Interaction.objects.filter(pk=reply.pk).update(
            state=back[item.state], moderated_by_id=item.decided_by_id, moderation=None
        )
        ModerationItem.objects.filter(pk=item.pk).delete()


class Migration(migrations.Migration):
    dependencies = [("federation", "0005_interaction_moderation")]

    operations = [migrations.RunPython(forwards, backwards)]
