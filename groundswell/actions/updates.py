"""Petition updates to the signers who want them, sent in steps that can be resumed.

Each recipient gets an UpdateDelivery row when listed and is marked sent once the mail
server took the message, so a step that dies is taken over by the next without writing to
anyone twice. The periodic task that runs these steps is `tasks.send_updates`.

A signature a bulk invalidation struck out (groundswell/fraud) gets no update: it is not
listed, and one struck out after listing is skipped at sending. Undoing the batch makes the
signer a recipient of the updates listed from then on (one already sent is not sent again).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groundswell.audit.services import record
from groundswell.lib import leases
from groundswell.lib.names import email_name
from groundswell.notifications.bulk import Letter, Outgoing
from groundswell.notifications.owed import EMAIL_RETRY
from groundswell.notifications.rows import send_rows
from groundswell.safety import services as safety
from groundswell.supporters import links
from groundswell.supporters.models import Consent, Purpose

from . import emails
from .models import DeliveryState, PetitionUpdate, Signature, SignatureState, UpdateDelivery

logger = logging.getLogger(__name__)

UPDATE_BATCH = 400
# How long a step's lease on an update holds without renewal. The step renews it whenever
# the mail server has taken more of it, so only a step stuck on one message this long (or
# killed) loses it; the next run then takes the update over.
UPDATE_LEASE = timedelta(minutes=2)


class _LeaseLost(Exception):
    """Our lease on an update ran out and another step took it: send no more of it."""


def update_step() -> int:
    """One step of the oldest update still going out that no other step holds; UPDATE_BATCH
    if it did anything (so the turn goes on), 0 if there was nothing to do.

    The step holds the update's named lease (lib/leases.py) and renews it as the mail server
    takes each message; a step that finds it lost stops sending, and lets go only of a
    lease that is still its own.
    """
    now = leases.now()
    going = PetitionUpdate.objects.filter(finished_at__isnull=True, held_reason="")
    free = Q(until__isnull=True) | Q(until__lte=now)
    update = going.filter(free).select_related("petition__organisation").order_by("pk").first()
    if update is None:
        return 0
    # Random, so that two steps in one process never pass for each other.
    holder = f"{socket.gethostname()[:60]}/{os.getpid()}/{secrets.token_hex(4)}"
    ours = going.filter(pk=update.pk)
    if not leases.take(ours, holder, now, UPDATE_LEASE):
        return UPDATE_BATCH  # another step took it meanwhile: look again

    def still_ours() -> None:
        if not leases.renew(ours, holder, leases.now(), UPDATE_LEASE):
            raise _LeaseLost

    if _hold_if_flagged(update, holder):
        return UPDATE_BATCH  # the next update may go on
    try:
        if not update.petition.organisation.is_public:
            handled = 0  # an organisation waiting for approval emails nobody
        else:
            handled = (0 if update.listed else _list_recipients(update)) + _send_update_batch(
                update, still_ours
            )
        put_off_until = None if handled else _put_off_until(update)
        if put_off_until is not None:
            # Only recipients the mail server put off are left: the update waits for the
            # first of them, free for any step then (and so steps take the updates after it).
            ours.filter(holder=holder).update(holder="", until=put_off_until)
            return 0
        if not handled:
            leases.release(
                ours,
                holder,
                finished_at=timezone.now(),
                listed=True,
                recipients=UpdateDelivery.objects.filter(
                    update_id=update.pk, state=DeliveryState.SENT
                ).count(),
            )
    except _LeaseLost:
        logger.warning(
            "update %s: the step's lease ran out; another step sends the rest", update.pk
        )
    finally:
        leases.release(ours, holder)  # a no-op once another step holds it
    return UPDATE_BATCH


def _hold_if_flagged(update: PetitionUpdate, holder: str) -> bool:
    """Check the text again at the moment of sending (the guard's rules or the public
    figures may have changed since it was written): hold it, saying why, if it is flagged."""
    organisation = update.petition.organisation
    flagged = safety.unsafe_findings(
        "update", update, update.safety_text, organisation=organisation
    )
    if not flagged:
        return False
    kinds = safety.flagged_kinds(flagged)
    with translation.override(settings.LANGUAGE_CODE):
        reason = safety.held_reason(flagged)
        summary = _("Held update #%(update)s of petition #%(id)s: the safety check flagged it") % {
            "update": update.pk,
            "id": update.petition_id,
        }
    with transaction.atomic():
        held = PetitionUpdate.objects.filter(pk=update.pk, holder=holder).update(
            held_reason=reason[:500], holder="", until=None
        )
        if held:
            record(
                organisation=organisation,
                actor=None,
                action="petition.update_held",
                target=update.petition,
                summary=summary,
                changes={"findings": ["", kinds]},
            )
    return True


def _put_off_until(update: PetitionUpdate) -> datetime | None:
    """When the first delivery the mail server put off is due; None if none waits."""
    first: datetime | None = UpdateDelivery.objects.filter(
        update_id=update.pk, state=DeliveryState.PENDING
    ).aggregate(first=Min("retry_at"))["first"]
    return first


def _list_recipients(update: PetitionUpdate) -> int:
    """Write the next UPDATE_BATCH recipients' delivery rows; return how many were new."""
    wanting = Consent.objects.standing(Purpose.UPDATES).values("supporter_id")
    rows = list(
        Signature.objects.filter(
            petition_id=update.petition_id,
            state=SignatureState.CONFIRMED,
            invalidated_at__isnull=True,
            created_at__lte=update.created_at,
            supporter_id__in=wanting,
            pk__gt=update.listed_to,
        )
        .exclude(supporter__email="")
        .order_by("pk")
        .values_list("pk", "supporter_id")[:UPDATE_BATCH]
    )
    with transaction.atomic():
        UpdateDelivery.objects.bulk_create(
            [UpdateDelivery(update=update, supporter_id=person) for _pk, person in rows],
            ignore_conflicts=True,  # listed already by a turn that died before moving on
        )
        update.listed_to = rows[-1][0] if rows else update.listed_to
        update.listed = len(rows) < UPDATE_BATCH
        PetitionUpdate.objects.filter(pk=update.pk).update(
            listed_to=update.listed_to, listed=update.listed
        )
    return len(rows)


def _send_update_batch(update: PetitionUpdate, still_ours: Callable[[], None]) -> int:
    """Send up to UPDATE_BATCH waiting deliveries; return how many were handled.

    `still_ours` raises if the step no longer holds the update: it is asked before the
    first message and after each one the server took, so that the connections stop.
    """
    due = Q(retry_at__isnull=True) | Q(retry_at__lte=leases.now())
    waiting = list(
        UpdateDelivery.objects.filter(due, update=update, state=DeliveryState.PENDING)
        .select_related("supporter")
        .order_by("pk")[:UPDATE_BATCH]
    )
    if not waiting:
        return 0
    # Asked again at sending: someone may have unsubscribed or been erased since listing.
    wanting = set(
        Consent.objects.standing(Purpose.UPDATES)
        .filter(supporter_id__in=[delivery.supporter_id for delivery in waiting])
        .values_list("supporter_id", flat=True)
    )
    # And whose signature a bulk invalidation struck out since (the person is told nothing).
    struck = set(
        Signature.objects.filter(
            petition_id=update.petition_id,
            supporter_id__in=[delivery.supporter_id for delivery in waiting],
            invalidated_at__isnull=False,
        ).values_list("supporter_id", flat=True)
    )
    gone = [
        delivery.pk
        for delivery in waiting
        if not delivery.supporter.email
        or delivery.supporter_id not in wanting
        or delivery.supporter_id in struck
    ]
    if gone:
        UpdateDelivery.objects.filter(pk__in=gone, state=DeliveryState.PENDING).update(
            state=DeliveryState.SKIPPED
        )
    letters: dict[tuple[bool, str | None], Letter] = {}
    outgoing: list[Outgoing] = []
    for delivery in waiting:
        if delivery.pk in gone:
            continue
        supporter = delivery.supporter
        name = email_name(supporter.given_name)
        key = (bool(name), translation.get_language())
        if key not in letters:
            letters[key] = _update_letter(update, named=bool(name))
        values = {
            "name": name,
            "id": f"{update.pk}.{supporter.pk}",
            "impact": links.supporter_page_url(supporter.pk),
            "unsubscribe": links.unsubscribe_url(supporter.pk),
        }
        outgoing.append(letters[key].to(supporter.email, delivery.pk, values))

    send_rows(UpdateDelivery, waiting, outgoing, still_ours, EMAIL_RETRY, "update")
    return len(waiting)


def _update_letter(update: PetitionUpdate, *, named: bool) -> Letter:
    petition = update.petition
    context = emails.person_context(petition, named) | {"update": update}
    return Letter(
        subject=update.subject,
        body=render_to_string("actions/email/update.txt", context),
        headers=emails.headers("update"),
        organisation_id=petition.organisation_id,
    )
