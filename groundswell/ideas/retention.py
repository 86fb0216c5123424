"""What idea challenges keep about people, and for how long (lib/retention.py).

Never confirmed: an idea, comment, pledge or vote whose email link was never followed holds a
name and an address for nothing; deleted after a month (the link itself lasts 14 days).
Confirmed: the author's name, address and language on ideas, comments and pledges are
cleared after the period (two years by default); the words of a shown idea stay, unnamed,
because others voted on them. Votes name nobody but through the supporter record, which has
its own schedule (supporters/retention.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import ANONYMISE, DELETE, YEAR_DAYS, Counts, Kind, register

from .models import Comment, Confirmation, Idea, IdeaPledge, Vote, VoteState
from .privacy import anonymise

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

MODELS = ((Idea, "ideas"), (Comment, "comments"), (IdeaPledge, "pledges"))


def _unconfirmed_counts(organisation: Organisation | None, cutoff: datetime, run: bool) -> Counts:
    counts: Counts = {}
    for model, noun in MODELS:
        rows = model.objects.filter(
            organisation=organisation, state=Confirmation.UNCONFIRMED, created_at__lt=cutoff
        )
        counts[noun] = rows.delete()[0] if run else rows.count()
    votes = Vote.objects.filter(
        idea__organisation=organisation, state=VoteState.PENDING, created_at__lt=cutoff
    )
    counts["votes"] = votes.delete()[0] if run else votes.count()
    return counts


def _named_counts(organisation: Organisation | None, cutoff: datetime, run: bool) -> Counts:
    counts: Counts = {}
    for model, noun in MODELS:
        rows = model.objects.filter(
            organisation=organisation,
            state=Confirmation.CONFIRMED,
            anonymised_at__isnull=True,
            confirmed_at__lt=cutoff,
        )
        counts[noun] = anonymise(rows) if run else rows.count()
    return counts


register(
    Kind(
        name="ideas.unconfirmed",
        label=_("ideas, comments, pledges and votes never confirmed"),
        covers=_(
            "The name and email given with an idea, a comment, a pledge towards an idea or a "
            "vote whose confirmation link was never followed."
        ),
        default_days=30,
        min_days=15,
        does=DELETE,
        run=lambda organisation, cutoff: _unconfirmed_counts(organisation, cutoff, True),
        count=lambda organisation, cutoff: _unconfirmed_counts(organisation, cutoff, False),
        order=70,
    )
)
register(
    Kind(
        name="ideas.authors",
        label=_("who wrote ideas, comments and pledges"),
        covers=_(
            "The name, email and language of whoever gave an idea, a comment or a pledge "
            "towards an idea. After this period they are cleared; a shown idea's words stay, "
            "under no name."
        ),
        default_days=2 * YEAR_DAYS,
        min_days=30,
        does=ANONYMISE,
        run=lambda organisation, cutoff: _named_counts(organisation, cutoff, True),
        count=lambda organisation, cutoff: _named_counts(organisation, cutoff, False),
        order=71,
    )
)
