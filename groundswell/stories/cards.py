"""A link card whose words arrive after its story went public: checked as they are stored.

The gate reads a story's card words with the rest of its text whenever staff approve,
publish or edit it (gated_text.story_text). A card still being fetched at that moment has
no words yet; the worker fetches them later, when the story may already be public. So the
worker checks them as it stores them (`check_fetched`): on each published story showing
the card, words the guard flags, with no override covering the story's text as it is now,
keep the card off the story's pages (`Story.card_held` names the kinds of thing flagged).
Staff see why on the story's edit and safety pages. The card comes back when an owner or
a safety officer lets the text out there, when nothing flags it any more and one of them
says so, or when an edit or a publish passes the gate with it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import record
from groundswell.safety import services as safety
from groundswell.safety.guard import scan

from .gated_text import compose_text, story_text
from .models import LinkCard, Story
from .workflow import State


def card_words(card: LinkCard) -> str:
    """What the card shows readers besides the address the story's own text holds."""
    return compose_text(card.title, card.description, "")


def check_fetched(card: LinkCard) -> int:
    """Hold `card` off every published story showing it whose text the guard now flags in
    the card's words; returns how many. Call in the transaction that stores the card.

    The stories are locked first: a publish or an edit running at the same time either
    finished before (and is checked here) or reads the stored words itself (the gate).
    """
    words = card_words(card)
    organisation = card.organisation  # a card serves the stories of one organisation
    flagged = scan(words, organisation=organisation) if words else []
    if not flagged:
        return 0
    kinds = safety.flagged_kinds(flagged)
    stories = (
        Story.objects.select_for_update(of=("self",))
        .filter(link_card=card)
        .select_related("link_card")
    )
    held = 0
    for story in stories:
        if story.state != State.PUBLISHED:
            continue  # the gate reads the card when it is approved or published
        if not safety.unsafe_findings("story", story, story_text(story), organisation=organisation):
            continue  # an override covers the story's text with these words
        Story.objects.filter(pk=story.pk).update(card_held=kinds[:200])
        record(
            organisation=organisation,
            actor=None,
            action="story.card_held",
            target=story,
            summary=_("Held the link card of story #%(id)s: the safety check flagged its words")
            % {"id": story.pk},
            changes={"findings": ["", kinds]},
        )
        held += 1
    return held


@transaction.atomic
def show_again(membership: Membership, story: Story) -> None:
    """Show a held card again now that nothing stops the story's text going out (an
    allow-list entry, say): an owner or a safety officer decides, on the safety page."""
    require(membership, "safety.override")
    story = (
        Story.objects.select_for_update(of=("self",)).select_related("link_card").get(pk=story.pk)
    )
    if not story.card_held:
        return
    if safety.unsafe_findings(
        "story", story, story_text(story), organisation=membership.organisation
    ):
        raise ValidationError(
            _("The safety check still flags the card: let it out with a reason, or change it.")
        )
    Story.objects.filter(pk=story.pk).update(card_held="")
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="story.card_shown",
        target=story,
        summary=_("Showed the held link card of story #%(id)s again") % {"id": story.pk},
    )
