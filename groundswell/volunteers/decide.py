"""The worker's half: a place or the waitlist for each new sign-up, and the reminders.

`decide_waiting` (periodic, every half second) takes new sign-ups oldest first. For each,
in one transaction holding the shift's lock: the supporter is found or created as the sign
path does, who brought them resolved (a volunteer's or a signer's share link of the same
organisation; nobody is credited for themselves), and the sign-up moved `new → confirmed`
while the shift has a slot, else `new → waitlisted`, with the email saying which.
`remind_due` (every five minutes) emails each confirmed volunteer once, in the day before
their shift starts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction

from groundswell.lib import leases, worklog
from groundswell.referrals.models import ShareToken
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import find_or_create_supporter

from . import emails, places
from .models import Signup, SignupState

logger = logging.getLogger(__name__)
BATCH = 200
REMIND_BEFORE = timedelta(days=1)


def decide_waiting(limit: int = BATCH) -> int:
    ids = list(
        Signup.objects.filter(state=SignupState.NEW)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        try:
            done += decide_one(pk)
        except Exception:
            # Left `new` for the next run; one bad row must not stop the rest.
            logger.exception("could not decide volunteer sign-up %s", pk)
    worklog.did("decided", done, "volunteer sign-ups")
    return done


def decide_one(pk: int) -> int:
    with transaction.atomic():
        signup = Signup.objects.filter(pk=pk, state=SignupState.NEW).first()
        if signup is None:  # cancelled, erased or decided by another worker
            return 0
        shift = places.lock_shift(signup.shift_id)
        signup.shift = shift
        supporter = find_or_create_supporter(
            shift.need.organisation,
            email=signup.email,
            email_key=signup.email_key,
            given_name=signup.given_name,
            family_name=signup.family_name,
        )
        referrer = _referrer(signup, supporter)
        now = leases.now()
        placed = places.taken(shift) < shift.slots
        state = SignupState.CONFIRMED if placed else SignupState.WAITLISTED
        moved = Signup.objects.filter(pk=pk, state=SignupState.NEW).update(
            state=state,
            supporter=supporter,
            referred_by=referrer,
            decided_at=now,
            confirmed_at=now if placed else None,
        )
        if not moved:
            return 0
        signup.supporter = supporter  # the email links their own page
        (emails.placed if placed else emails.waitlisted)(signup)
    return 1


def _referrer(signup: Signup, supporter: Supporter) -> Supporter | None:
    token = signup.referral_token[:32]
    if not token:
        return None
    found = (
        Signup.objects.filter(organisation_id=signup.organisation_id, share_token=token)
        .values_list("supporter_id", flat=True)
        .first()
    ) or (
        ShareToken.objects.filter(petition__organisation_id=signup.organisation_id, token=token)
        .values_list("supporter_id", flat=True)
        .first()
    )
    if not found or found == supporter.pk:
        return None
    return Supporter.objects.filter(pk=found, erased_at__isnull=True).first()


def remind_due(limit: int = BATCH) -> int:
    """Email each confirmed volunteer whose shift starts within a day; claimed, so once."""
    now = leases.now()
    due = (
        Signup.objects.filter(
            state=SignupState.CONFIRMED,
            reminded_at__isnull=True,
            shift__starts_at__gt=now,
            shift__starts_at__lte=now + REMIND_BEFORE,
        )
        .select_related("shift__need__organisation")
        .order_by("shift__starts_at", "pk")[:limit]
    )
    sent = 0
    for signup in due:
        with transaction.atomic():
            if Signup.objects.filter(
                pk=signup.pk, state=SignupState.CONFIRMED, reminded_at__isnull=True
            ).update(reminded_at=now):
                emails.reminder(signup)
                sent += 1
    worklog.did("reminded", sent, "volunteers")
    return sent
