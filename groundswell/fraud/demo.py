"""The demo's trending source: a fortnight of ordinary signing, then a burst from one range.

Every address here is from the ranges kept for documentation (RFC 5737, RFC 3849), so no
real network is named; the signers are as fictional as the rest of the demo.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import SignatureRequest, recount, sign_petition

from .alerts import tell_subscribers
from .models import AlertSubscription, Trend
from .services import choose_alert_email
from .trends import SETTLE, count_new_signatures, detect

BURST = "203.0.113.0/24"


def seed_trend(owner: Membership, petition: Petition, *, subscriber: Membership) -> list[Trend]:
    """Spread the petition's signatures over the last ten days and many networks, add a
    burst from BURST twenty minutes ago, and run the detection once, as the worker would."""
    rng = random.Random(12)
    now = timezone.now()
    rows = list(Signature.objects.filter(petition__organisation=owner.organisation))
    for row in rows:
        row.created_at = now - timedelta(days=rng.uniform(1, 10))
        row.network = f"2001:db8:{rng.randrange(1, 400):x}::/64"
    Signature.objects.bulk_update(rows, ["created_at", "network"])
    burst = []
    for n in range(28):
        request = SignatureRequest(
            email=f"signer.{n}.burst@example.org", given_name="Demo", network=BURST
        )
        burst.append(sign_petition(petition, request, check_open=False).signature.pk)
    Signature.objects.filter(pk__in=burst).update(created_at=now - timedelta(minutes=20))
    recount(petition.pk)
    if not AlertSubscription.objects.filter(membership=subscriber).exists():
        choose_alert_email(subscriber, wanted=True)
    moment = now + SETTLE
    while count_new_signatures(moment):
        pass
    raised = detect(moment)
    tell_subscribers(raised)
    return raised
