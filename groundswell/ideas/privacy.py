"""The ideas' part of a person's subject-access export and of their erasure.

Erasure keeps what others built on and nothing that names the person: a vote stays (others'
counts and referral credit do not move) and a shown idea stays under no name, because other
people voted and commented on it; the address, name and language go at once. Their
comments and pledges go whole, and so does anything they never confirmed, with its words
withdrawn from the moderation queue.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from groundswell.moderation import services as moderation

from .models import Comment, Confirmation, Idea, IdeaPledge, Vote, VoteIntake


def _theirs(model: Any, supporter: Any) -> QuerySet[Any]:
    # Not confirmed yet: found by the address, as the worker has not tied them to the person.
    rows: QuerySet[Any] = model.objects.filter(organisation_id=supporter.organisation_id)
    return rows.filter(
        Q(supporter=supporter) | Q(supporter__isnull=True, email_key=supporter.email_key)
    )


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def ideas_of(supporter: Any) -> dict[str, list[dict[str, Any]]]:
    """What an export says of the person's ideas, comments, pledges and votes."""
    common = ("email", "given_name", "language", "wants_updates", "state")

    def row(item: Any, **more: Any) -> dict[str, Any]:
        return {
            "id": item.pk,
            **{name: getattr(item, name) for name in common},
            **more,
            "created_at": _iso(item.created_at),
            "confirmed_at": _iso(item.confirmed_at),
        }

    return {
        "ideas": [
            row(
                idea,
                challenge=idea.challenge.question,
                title=idea.title,
                body=idea.body,
                status=idea.status,
            )
            for idea in _theirs(Idea, supporter).select_related("challenge").order_by("pk")
        ],
        "comments": [
            row(comment, idea=comment.idea.title, body=comment.body)
            for comment in _theirs(Comment, supporter).select_related("idea").order_by("pk")
        ],
        "pledges": [
            row(
                pledge,
                idea=pledge.idea.title,
                amount=pledge.amount,
                currency=pledge.idea.challenge.currency,
                hours=pledge.hours,
            )
            for pledge in _theirs(IdeaPledge, supporter)
            .select_related("idea__challenge")
            .order_by("pk")
        ],
        "votes": [
            {
                "id": vote.pk,
                "idea": vote.idea.title,
                "state": vote.state,
                "language": vote.language,
                "wants_updates": vote.wants_updates,
                "referred_by_a_supporter": vote.referred_by_id is not None,
                "channel": vote.channel,
                "created_at": _iso(vote.created_at),
                "confirmed_at": _iso(vote.confirmed_at),
            }
            for vote in Vote.objects.filter(supporter=supporter)
            .select_related("idea")
            .order_by("pk")
        ],
    }


def forget_waiting_votes(supporter: Any) -> int:
    """Votes still in the intake would bring the person back: delete them first (the same
    order as the signatures' intake, so the worker and an erasure cannot deadlock)."""
    return VoteIntake.objects.filter(
        idea__organisation_id=supporter.organisation_id, email_key=supporter.email_key
    ).delete()[0]


def erase_ideas(supporter: Any) -> dict[str, int]:
    """Call inside the erasure's transaction, before the address is cleared."""
    counts = {"waiting votes deleted": forget_waiting_votes(supporter)}
    gone: list[int] = []
    for model, noun in ((Comment, "comments"), (IdeaPledge, "pledges")):
        rows = _theirs(model, supporter)
        if model is Comment:
            gone += [pk for pk in rows.values_list("moderation_id", flat=True) if pk]
        counts[f"{noun} deleted"] = rows.delete()[0]
    ideas = _theirs(Idea, supporter)
    unconfirmed = ideas.filter(state=Confirmation.UNCONFIRMED)
    gone += [pk for pk in unconfirmed.values_list("moderation_id", flat=True) if pk]
    counts["unconfirmed ideas deleted"] = unconfirmed.delete()[0]
    counts["ideas kept without a name"] = anonymise(ideas)
    Vote.objects.filter(supporter=supporter).update(referrer_data={}, language="")
    moderation.withdraw(gone)
    return counts


def anonymise(rows: QuerySet[Any]) -> int:
    """Clear who wrote these rows (erasure, and the retention schedule)."""
    return int(
        rows.filter(anonymised_at__isnull=True).update(
            email="", email_key="", given_name="", language="", anonymised_at=timezone.now()
        )
    )
