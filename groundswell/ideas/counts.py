"""Honest counts: confirmed votes and pledges, recomputed in batches by a task.

Pages read the idea's count fields; no request counts or adds to them. `pending_votes` is
shown apart ("waiting for confirmation"), as petitions do.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from .models import Confirmation, Idea, IdeaPledge, Vote, VoteIntake, VoteState


def needing_recount() -> list[int]:
    """Ideas whose votes or pledges changed since last counted, or with votes waiting."""
    stale = Idea.objects.filter(
        Q(counted_at__isnull=True, state=Confirmation.CONFIRMED)
        | Q(votes__updated_at__gt=F("counted_at"))
        | Q(pledges__confirmed_at__gt=F("counted_at"))
    )
    waiting = VoteIntake.objects.values_list("idea_id", flat=True).distinct()
    return sorted({*stale.values_list("pk", flat=True).distinct(), *waiting})


def recount(idea_id: int) -> None:
    started = timezone.now()
    votes = Vote.objects.filter(idea_id=idea_id).aggregate(
        confirmed=Count("id", filter=Q(state=VoteState.CONFIRMED)),
        pending=Count("id", filter=Q(state=VoteState.PENDING)),
    )
    waiting = VoteIntake.objects.filter(idea_id=idea_id).count()
    pledged = IdeaPledge.objects.filter(idea_id=idea_id, state=Confirmation.CONFIRMED).aggregate(
        minor=Sum("amount"), hours=Sum("hours"), people=Count("id")
    )
    Idea.objects.filter(pk=idea_id).update(
        confirmed_votes=votes["confirmed"],
        pending_votes=votes["pending"] + waiting,
        pledged_minor=pledged["minor"] or 0,
        pledged_hours=pledged["hours"] or 0,
        pledgers=pledged["people"],
        counted_at=started,
    )


def recount_due() -> int:
    ideas = needing_recount()
    for idea_id in ideas:
        recount(idea_id)
    return len(ideas)
