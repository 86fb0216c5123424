"""What counts in the referral figures: the one place that says so.

Signatures: every figure (the stored ranking, a supporter's own page, the command, the
benchmark's check) asks `counted()`. A signature that does not count (waiting for its
confirmation email, or one invalidated by the fraud tools) stays in the tree and still
passes its children's credit up to whoever brought it: the people below did sign through
that chain. To take a kind of signature out of the figures, narrow this predicate, and
have a migration delete every RankingDigest row so that the ranking's compact copy
(digest.py), which holds each signature's answer, is built again; nothing else needs to
change (`referrals/tests/test_ranking.py` holds the rules to a hand-built tree).

Other actions (`CREDITED`): an RSVP or a volunteer sign-up made through someone's share
link credits that person once it holds a place. These are figures of their own beside the
signature figures, never added into them, and only direct: the worker credits a link of any
of the organisation's petitions, events or needs, so these rows form no per-page tree like
the signatures' (forest.py). A cancelled one stops counting; an erased person's rows are
deleted (events/privacy.py, volunteers/privacy.py), so they stop counting too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q

from groundswell.actions.models import SignatureState
from groundswell.events.models import Attendance, AttendanceState
from groundswell.volunteers.models import Signup, SignupState


def counted() -> Q:
    """The signatures that add one to the figures of everyone above them: confirmed, and
    not invalidated in bulk (groundswell/fraud)."""
    return Q(state=SignatureState.CONFIRMED, invalidated_at__isnull=True)


@dataclass(frozen=True)
class Credited:
    """A kind of action that credits the holder of the link it came through."""

    key: str  # its figure's key in stored entries, the command's JSON and `Reach`
    model: type[Model]  # with `organisation`, `referred_by` and `state`
    counted: Q  # the rows that count: confirmed ones
    campaign: str  # the lookup from a row to its campaign's id (may be empty)


CREDITED = (
    # A place at the event (a waiting-list answer counts once it is moved up).
    Credited("rsvps", Attendance, Q(state=AttendanceState.GOING), "event__campaign_id"),
    # A confirmed place on a shift (likewise from the waitlist).
    Credited("volunteers", Signup, Q(state=SignupState.CONFIRMED), "need__campaign_id"),
)
KEYS = tuple(kind.key for kind in CREDITED)
