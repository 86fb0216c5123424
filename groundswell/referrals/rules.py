"""Which signatures count in the referral figures: the one place that says so.

Every figure (the stored ranking, a supporter's own page, the command, the benchmark's
check) asks `counted()`. A signature that does not count (waiting for its confirmation
email, or one invalidated by the fraud tools) stays in the tree and still passes its
children's credit up to whoever brought it: the people below did sign through that chain.
To take a kind of signature out of the figures, narrow this predicate; nothing else needs
to change (`referrals/tests/test_ranking.py` holds the rules to a hand-built tree).
"""

from __future__ import annotations

from django.db.models import Q

from groundswell.actions.models import SignatureState


def counted() -> Q:
    """The signatures that add one to the figures of everyone above them: confirmed, and
    not invalidated in bulk (groundswell/fraud)."""
    return Q(state=SignatureState.CONFIRMED, invalidated_at__isnull=True)
