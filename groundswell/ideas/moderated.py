"""Ideas and comments in the moderation queue: two kinds, premoderated.

The worker hands each confirmed idea or comment to the queue (`queue_waiting`), which runs
the safety guard over it; the public sees it once a moderator approved its item
(`IdeaQuerySet.shown`, `shown_comments`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy

from groundswell.moderation import registry
from groundswell.moderation import services as moderation

from .models import Comment, Confirmation, Idea

IDEA = registry.Kind(name="ideas.idea", label=gettext_lazy("Idea"))
COMMENT = registry.Kind(name="ideas.comment", label=gettext_lazy("Comment on an idea"))
BATCH = 100


def register() -> None:
    registry.register(IDEA)
    registry.register(COMMENT)


def _author(row: Idea | Comment) -> tuple[str, str]:
    # The supporter's id, never the address: the queue's history finds them by it.
    return f"supporter:{row.supporter_id}", row.given_name


def idea_submission(idea: Idea) -> registry.Submission:
    key, label = _author(idea)
    return registry.Submission(
        text=idea.safety_text,
        author_key=key,
        author_label=label,
        language=idea.language,
        context_label=str(idea.challenge.question)[:300],
        public_url=idea.get_absolute_url(),
    )


def comment_submission(comment: Comment) -> registry.Submission:
    key, label = _author(comment)
    return registry.Submission(
        text=comment.body,
        author_key=key,
        author_label=label,
        language=comment.language,
        context_label=str(comment.idea.title)[:300],
        public_url=comment.idea.get_absolute_url(),
    )


def queue_waiting(limit: int = BATCH) -> int:
    """Put confirmed ideas and comments not yet in the queue into it; how many."""
    done = 0
    ideas = Idea.objects.filter(state=Confirmation.CONFIRMED, moderation__isnull=True)
    for pk in ideas.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            idea = (
                Idea.objects.select_for_update()
                .select_related("challenge__organisation")
                .filter(pk=pk, moderation__isnull=True)
                .first()
            )
            if idea is None:
                continue
            item = moderation.submit(IDEA.name, idea.challenge.organisation, idea_submission(idea))
            Idea.objects.filter(pk=pk).update(moderation=item)
            done += 1
    comments = Comment.objects.filter(state=Confirmation.CONFIRMED, moderation__isnull=True)
    for pk in comments.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            comment = (
                Comment.objects.select_for_update()
                .select_related("idea__challenge__organisation")
                .filter(pk=pk, moderation__isnull=True)
                .first()
            )
            if comment is None:
                continue
            item = moderation.submit(
                COMMENT.name, comment.idea.challenge.organisation, comment_submission(comment)
            )
            Comment.objects.filter(pk=pk).update(moderation=item)
            done += 1
    return done
