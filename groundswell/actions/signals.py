"""Quieter fraud signals: what the worker notices about how a signature was sent.

The sign request only writes down raw facts in the intake payload (the form's signed
render stamp, whether the hidden field held anything, whether the petition asked for a
proof of work and the key of the one that came); the worker turns them into bits on the
signature when it records it (`signals_for`), counting the signatures that came with the
same stamp or the same proof of work. Nothing is refused or dropped for a signal:
staff see the counts and the signatures on the petition's staff page. Two signals mean the
signature is *unverified*: it is left out of the public count of waiting signatures and
counts only once its email is confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntFlag
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from groundswell.lib import formtiming

from .models import Petition, Signature

if TYPE_CHECKING:
    from .services import SignatureRequest

# A person needs longer than this between seeing the form and sending it: a name and an
# email typed or picked from the browser's autofill, a box ticked, a button pressed. With
# autofill a quick person takes two to three seconds; a script posting the form takes
# milliseconds. A page copy up to a second old (lib/pagecache.py) only adds to the time.
TOO_FAST_SECONDS = 3.0
# A form is filled in within minutes; a stamp older than this was kept, not just read.
STAMP_MAX_AGE_SECONDS = 12 * 3600
# The page copy (lib/pagecache.py) hands one stamp to every reader of a page in the same
# second in one server process, so a few people may sign with one stamp; beyond this many
# signatures it counts as reused. A script that loads the page once gets this many at most
# unflagged and has to load the page again (a new copy each second at best) for more.
STAMP_SHARED = 10


class Signal(IntFlag):
    TOO_FAST = 1
    NO_STAMP = 2
    HONEYPOT = 4
    NO_PROOF = 8
    REPLAY = 16
    STAMP_REUSED = 32
    STAMP_OLD = 64


# Unverified until the email is confirmed: the petition asked for a proof of work and
# none came, or one that another signature had used.
UNVERIFIED = Signal.NO_PROOF | Signal.REPLAY


@dataclass(frozen=True)
class Kind:
    signal: Signal
    slug: str
    label: Promise
    meaning: Promise


KINDS = (
    Kind(
        Signal.TOO_FAST,
        "too_fast",
        _("Too fast"),
        _("Sent less than 3 seconds after the form was shown: quicker than a person types."),
    ),
    Kind(
        Signal.NO_STAMP,
        "no_stamp",
        _("No form stamp"),
        _(
            "Sent without the time stamp the form carries, or with one that was altered: "
            "usually a script posting to the form directly."
        ),
    ),
    Kind(
        Signal.HONEYPOT,
        "honeypot",
        _("Hidden field filled"),
        _("Something was typed in the field hidden from people, which only robots see."),
    ),
    Kind(
        Signal.NO_PROOF,
        "no_proof",
        _("No browser check"),
        _(
            "Sent without the browser check while it was on: a browser without JavaScript, "
            "or a script. Unverified: counted once confirmed by email."
        ),
    ),
    Kind(
        Signal.REPLAY,
        "replay",
        _("Browser check used twice"),
        _(
            "Came with a browser check another signature had already used. Unverified: "
            "counted once confirmed by email."
        ),
    ),
    Kind(
        Signal.STAMP_REUSED,
        "stamp_reused",
        _("Form stamp reused"),
        _(
            "Came with a form stamp 10 other signatures had already used: a script that "
            "loaded the page once and posts it again and again."
        ),
    ),
    Kind(
        Signal.STAMP_OLD,
        "stamp_old",
        _("Old form stamp"),
        _(
            "Sent more than 12 hours after the form was shown: a page left open overnight, "
            "or a script keeping a stamp to post with later."
        ),
    ),
)
BY_SLUG = {kind.slug: kind for kind in KINDS}


def names(bits: int) -> list[str]:
    """The slugs of the signals in `bits`, in a fixed order (for exports and pages)."""
    return [kind.slug for kind in KINDS if bits & kind.signal]


def from_facts(request: SignatureRequest, arrived_at: datetime) -> Signal:
    """The signals one signature's own facts carry (replays need the others: `signals_for`)."""
    found = Signal(0)
    if request.shown is not None:  # None: not the web form (the OSDI helper has no stamp)
        try:
            shown = formtiming.shown_at(request.shown)
        except formtiming.Forged:
            found |= Signal.NO_STAMP
        else:
            taken = arrived_at.timestamp() - shown
            if taken < TOO_FAST_SECONDS:
                found |= Signal.TOO_FAST
            elif taken > STAMP_MAX_AGE_SECONDS:
                found |= Signal.STAMP_OLD
    if request.honeypot:
        found |= Signal.HONEYPOT
    if request.proof_wanted and not request.proof:
        found |= Signal.NO_PROOF
    return found


def signals_for(facts: Sequence[tuple[SignatureRequest, datetime]]) -> list[int]:
    """Each signature's signals, in order, replays included: a proof key seen on a recorded
    signature, or on an earlier one of these, is a replay; a stamp key seen on more than
    STAMP_SHARED of them is reused. One query for each, outside any write.

    Two workers recording at once on PostgreSQL could each miss the other's copy of a key;
    one worker records the intake by default, and a missed replay is a missed signal only.
    """
    keys = {request.proof for request, _arrived in facts if request.proof}
    seen = set(used_proofs(keys))
    stamps = [formtiming.key_of(request.shown) for request, _arrived in facts]
    uses = used_stamps(stamps)
    found = []
    for (request, arrived_at), stamp in zip(facts, stamps, strict=True):
        bits = from_facts(request, arrived_at)
        if request.proof:
            if request.proof in seen:
                bits |= Signal.REPLAY
            seen.add(request.proof)
        if stamp:
            uses[stamp] = uses.get(stamp, 0) + 1
            if uses[stamp] > STAMP_SHARED:
                bits |= Signal.STAMP_REUSED
        found.append(int(bits))
    return found


def used_proofs(keys: Iterable[str]) -> list[str]:
    wanted = [key for key in keys if key]
    if not wanted:
        return []
    return list(Signature.objects.filter(proof_key__in=wanted).values_list("proof_key", flat=True))


def used_stamps(keys: Iterable[str]) -> dict[str, int]:
    """How many recorded signatures came with each of these stamp keys (one query)."""
    wanted = {key for key in keys if key}
    if not wanted:
        return {}
    found = (
        Signature.objects.filter(stamp_key__in=wanted)
        .values("stamp_key")
        .annotate(uses=Count("id"))
        .values_list("stamp_key", "uses")
    )
    return dict(found)


def carrying(queryset: QuerySet[Signature], bits: int) -> QuerySet[Signature]:
    """The signatures carrying any of `bits`."""
    return queryset.alias(_carried=F("signals").bitand(bits)).exclude(_carried=0)


def with_unverified(queryset: QuerySet[Signature]) -> QuerySet[Signature]:
    """The queryset with `_unverified`, above 0 for the unverified (filter on it)."""
    return queryset.alias(_unverified=F("signals").bitand(int(UNVERIFIED)))


def counts(queryset: QuerySet[Signature]) -> dict[str, int]:
    """How many of these signatures carry each signal: one query."""
    aliased = queryset.alias(
        **{f"_s_{kind.slug}": F("signals").bitand(int(kind.signal)) for kind in KINDS}
    )
    found = aliased.aggregate(
        **{kind.slug: Count("id", filter=Q(**{f"_s_{kind.slug}__gt": 0})) for kind in KINDS}
    )
    return {slug: int(found[slug] or 0) for slug in BY_SLUG}


def counted(petition: Petition) -> list[tuple[Kind, int]]:
    """Each kind of signal with how many of the petition's signatures carry it."""
    found = counts(Signature.objects.filter(petition=petition))
    return [(kind, found[kind.slug]) for kind in KINDS]
