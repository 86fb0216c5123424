"""Status changes to those who took part, sent in resumable steps, each person once.

The same machine as petition updates (actions/updates.py): a delivery row per recipient
written before sending, marked sent once the mail server took it; one step at a time holds
a change's lease (lib/leases.py). Recipients are the confirmed author, commenters, pledgers
and voters of the idea who asked to hear (`wants_updates`) and whose 'updates' consent
still stands, asked again at the moment of sending.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groundswell.actions.emails import headers
from groundswell.lib import leases, worklog
from groundswell.lib.names import email_name
from groundswell.notifications.bulk import Letter, Outgoing, deliver, slot
from groundswell.notifications.owed import EMAIL_RETRY
from groundswell.supporters import links
from groundswell.supporters.models import Consent, Purpose

from .models import (
    Comment,
    Confirmation,
    Idea,
    IdeaPledge,
    IdeaStatus,
    StatusChange,
    StatusDelivery,
    Vote,
    VoteState,
)

logger = logging.getLogger(__name__)
BATCH = 400
LEASE = timedelta(minutes=2)
PENDING, SENT, SKIPPED, REFUSED = "pending", "sent", "skipped", "refused"


class _LeaseLost(Exception):
    pass


def step() -> int:
    """One step of the oldest status change still going out; BATCH if it did anything."""
    now = leases.now()
    going = StatusChange.objects.filter(finished_at__isnull=True)
    free = Q(until__isnull=True) | Q(until__lte=now)
    change = going.filter(free).select_related("idea__challenge__organisation").order_by("pk")
    found = change.first()
    if found is None:
        return 0
    holder = f"{socket.gethostname()[:60]}/{os.getpid()}/{secrets.token_hex(4)}"
    ours = going.filter(pk=found.pk)
    if not leases.take(ours, holder, now, LEASE):
        return BATCH

    def still_ours() -> None:
        if not leases.renew(ours, holder, leases.now(), LEASE):
            raise _LeaseLost

    try:
        if not found.idea.challenge.organisation.is_public:
            handled = 0
        else:
            handled = (0 if found.listed else _list(found)) + _send(found, still_ours)
        if not handled:
            waiting = StatusDelivery.objects.filter(change=found, state=PENDING)
            first = waiting.order_by("retry_at").values_list("retry_at", flat=True).first()
            if waiting.exists() and first is not None:
                ours.filter(holder=holder).update(holder="", until=first)
                return 0
            leases.release(
                ours,
                holder,
                finished_at=timezone.now(),
                listed=True,
                recipients=StatusDelivery.objects.filter(change=found, state=SENT).count(),
            )
    except _LeaseLost:
        logger.warning("status change %s: the lease ran out; another step goes on", found.pk)
    finally:
        leases.release(ours, holder)
    return BATCH


def _list(change: StatusChange) -> int:
    """Write delivery rows: first everyone but the voters, then voters BATCH at a time."""
    wanting = Consent.objects.standing(Purpose.UPDATES).values("supporter_id")
    confirmed_before = {
        "state": Confirmation.CONFIRMED,
        "wants_updates": True,
        "supporter_id__in": wanting,
        "created_at__lte": change.created_at,
    }
    people: set[int] = set()
    if not change.listed_others:
        for model, where in (
            (Idea, {"pk": change.idea_id}),
            (Comment, {"idea_id": change.idea_id}),
            (IdeaPledge, {"idea_id": change.idea_id}),
        ):
            people.update(
                model.objects.filter(**where, **confirmed_before)
                .exclude(supporter=None)
                .values_list("supporter_id", flat=True)
            )
    votes = list(
        Vote.objects.filter(
            idea_id=change.idea_id,
            state=VoteState.CONFIRMED,
            wants_updates=True,
            supporter_id__in=wanting,
            created_at__lte=change.created_at,
            pk__gt=change.listed_to,
        )
        .order_by("pk")
        .values_list("pk", "supporter_id")[:BATCH]
    )
    people.update(supporter for _pk, supporter in votes)
    with transaction.atomic():
        StatusDelivery.objects.bulk_create(
            [StatusDelivery(change=change, supporter_id=person) for person in sorted(people)],
            ignore_conflicts=True,  # the author who also voted is written to once
        )
        change.listed_others = True
        change.listed_to = votes[-1][0] if votes else change.listed_to
        change.listed = len(votes) < BATCH
        StatusChange.objects.filter(pk=change.pk).update(
            listed_others=True, listed_to=change.listed_to, listed=change.listed
        )
    return len(people)


def _send(change: StatusChange, still_ours: Callable[[], None]) -> int:
    due = Q(retry_at__isnull=True) | Q(retry_at__lte=leases.now())
    waiting = list(
        StatusDelivery.objects.filter(due, change=change, state=PENDING)
        .select_related("supporter")
        .order_by("pk")[:BATCH]
    )
    if not waiting:
        return 0
    wanting = set(
        Consent.objects.standing(Purpose.UPDATES)
        .filter(supporter_id__in=[delivery.supporter_id for delivery in waiting])
        .values_list("supporter_id", flat=True)
    )
    gone = {
        delivery.pk
        for delivery in waiting
        if not delivery.supporter.email or delivery.supporter_id not in wanting
    }
    if gone:
        StatusDelivery.objects.filter(pk__in=gone, state=PENDING).update(state=SKIPPED)
    letters: dict[bool, Letter] = {}
    outgoing: list[Outgoing] = []
    for delivery in waiting:
        if delivery.pk in gone:
            continue
        supporter = delivery.supporter
        name = email_name(supporter.given_name)
        if bool(name) not in letters:
            letters[bool(name)] = letter(change, named=bool(name))
        values = {
            "name": name,
            "id": f"{change.pk}.{supporter.pk}",
            "impact": links.supporter_page_url(supporter.pk),
            "unsubscribe": links.unsubscribe_url(supporter.pk),
        }
        outgoing.append(letters[bool(name)].to(supporter.email, delivery.pk, values))

    def record(done: list[Outgoing]) -> None:
        StatusDelivery.objects.filter(pk__in=[item.key for item in done], state=PENDING).update(
            state=SENT, sent_at=timezone.now()
        )
        still_ours()

    tries = {delivery.pk: delivery.attempts + 1 for delivery in waiting}

    def put_off(items: list[Outgoing]) -> None:
        moment = leases.now()
        for item in items:
            pk = cast(int, item.key)
            retry_at = EMAIL_RETRY.next_attempt(tries[pk], moment)
            StatusDelivery.objects.filter(pk=pk, state=PENDING).update(
                attempts=tries[pk], retry_at=retry_at, state=PENDING if retry_at else REFUSED
            )

    still_ours()
    worklog.did("sent", deliver(outgoing, record, put_off), "idea status emails")
    return len(waiting)


def letter(change: StatusChange, *, named: bool) -> Letter:
    idea: Idea = change.idea
    organisation = idea.challenge.organisation
    # The organisation's language: one letter for all (the idea's page has the others).
    with translation.override(settings.LANGUAGE_CODE):
        status = IdeaStatus(change.status).label
        subject = _("“%(title)s” is now: %(status)s") % {"title": idea.title, "status": status}
        greeting = _("Hello %(name)s,") % {"name": slot("name")} if named else _("Hello,")
        body = "\n".join(
            [
                greeting,
                "",
                _("The idea “%(title)s” is now: %(status)s.")
                % {"title": idea.title, "status": status},
                "",
                change.reason,
                "",
                _("Read more: %(url)s") % {"url": f"{settings.SITE_URL}{idea.get_absolute_url()}"},
                "",
                _("You receive this because you took part in this idea and asked to hear."),
                _("What your sharing achieved:") + " " + slot("impact"),
                "",
                "--",
                organisation.name,
                _("Stop emails from us:") + " " + slot("unsubscribe"),
            ]
        )
    return Letter(
        subject=subject,
        body=body,
        headers=headers("idea-status"),
        organisation_id=organisation.pk,
    )
