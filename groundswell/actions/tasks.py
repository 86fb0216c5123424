from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Min, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from groundswell.lib import leases, worklog
from groundswell.lib.names import email_name
from groundswell.lib.periodic import periodic
from groundswell.notifications.bulk import Letter, Outgoing, deliver, slot
from groundswell.referrals.models import ShareToken
from groundswell.referrals.sharing import personal_link
from groundswell.supporters import links
from groundswell.supporters.models import Consent, Purpose, Supporter

from . import intake, services
from .models import (
    DeliveryState,
    Petition,
    PetitionUpdate,
    Signature,
    SignatureState,
    UpdateDelivery,
)

logger = logging.getLogger(__name__)

RECOUNT_EVERY = timedelta(seconds=1)
INTAKE_EVERY = timedelta(milliseconds=500)
CONFIRMATIONS_EVERY = timedelta(milliseconds=500)
CONFIRMATION_BATCH = 400
# A recipient the mail server keeps putting off (a 4xx to RCPT: a full mailbox,
# greylisting) is tried again after these waits, about two days in all, then given up as
# refused. No claim is involved: the lease is unused.
EMAIL_RETRY = leases.Retry(
    lease=timedelta(0),
    waits=(
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=12),
        timedelta(hours=24),
    ),
)


@periodic(every=CONFIRMATIONS_EVERY, batch=CONFIRMATION_BATCH)
def send_confirmations() -> int:
    """Send every confirmation email owed, in batches over a few SMTP connections at once.

    A signature owes an email while `confirmation_sends > confirmations_delivered`: the row is
    the queue. Each message is handed to the mail server first and counted after, so a worker
    killed in between sends it again (at least once); its Message-ID is fixed per send, so
    the receiving server can recognise the copy (see notifications/bulk.py).
    """
    return _send_confirmations_and_notices()


def _send_confirmations_and_notices() -> int:
    # A full batch of either kind means there may be more of it: go round again.
    return max(_send_confirmation_batch(), _send_repeat_notice_batch())


def _send_confirmation_batch() -> int:
    return _send_batch(
        Signature.objects.filter(
            state=SignatureState.PENDING, confirmations_delivered__lt=F("confirmation_sends")
        ),
        wanted="confirmation_sends",
        delivered="confirmations_delivered",
        letters=_Letters(_confirmation_letter),
        values=_confirmation_values,
        what="confirmation emails",
    )


def _send_repeat_notice_batch() -> int:
    """'You have already signed' emails owed, sent like the confirmations."""
    return _send_batch(
        Signature.objects.filter(repeat_notices_delivered__lt=F("repeat_notices")),
        wanted="repeat_notices",
        delivered="repeat_notices_delivered",
        letters=_Letters(_repeat_notice_letter),
        values=_repeat_notice_values,
        what="already-signed notices",
    )


@dataclass(frozen=True, slots=True, repr=False)
class _Owed:
    """What sending one owed email needs of its signature row (no model instances: loading
    them was a fifth of the sender's CPU)."""

    pk: int
    petition: Petition
    pending: bool
    supporter_id: int
    email: str
    given_name: str
    number: int  # the send this email is (`wanted`)
    before: int  # `delivered` as read
    attempts: int  # times the mail server put this address off

    def __repr__(self) -> str:  # what a log line may name: never the address or the name
        return f"signature {self.pk}"


class _Letters:
    """Each kind of email rendered once per petition, language and variant in a batch."""

    def __init__(self, build: Callable[[Petition, bool, bool], Letter]) -> None:
        self.build = build
        self.built: dict[tuple[int, bool, bool, str | None], Letter] = {}

    def __call__(self, row: _Owed, name: str) -> Letter:
        key = (row.petition.pk, bool(name), row.pending, translation.get_language())
        letter = self.built.get(key)
        if letter is None:
            letter = self.built[key] = self.build(row.petition, bool(name), row.pending)
        return letter


def _send_batch(
    owed: QuerySet[Signature],
    *,
    wanted: str,
    delivered: str,
    letters: _Letters,
    values: Callable[[list[_Owed]], Callable[[_Owed], dict[str, str]]],
    what: str,
) -> int:
    """Send one batch of the emails `owed`, at least once: a row's `delivered` count
    catches up with its `wanted` count only after the mail server accepted its email.

    An address the server puts off waits for its next try (EMAIL_RETRY) while the rest
    go; once the tries are used up its email counts as delivered, as a refused one does."""
    due = Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=leases.now())
    found = list(
        owed.filter(due).order_by("id").values_list(
            "pk", "petition_id", "state", "supporter_id", "supporter__email",
            "supporter__given_name", wanted, delivered, "email_attempts",
        )[:CONFIRMATION_BATCH]
    )  # fmt: skip
    if not found:
        return 0
    petitions = Petition.objects.select_related("organisation").in_bulk({row[1] for row in found})
    rows = [
        _Owed(pk, petitions[petition], state == SignatureState.PENDING, *rest)
        for pk, petition, state, *rest in found
    ]
    person_values = values(rows)
    outgoing: list[Outgoing] = []
    unreachable: list[_Owed] = []
    for row in rows:
        if not row.email:  # nobody to write to once erased
            unreachable.append(row)
            continue
        name = email_name(row.given_name)
        filled = person_values(row) | {"name": name, "id": f"{row.pk}.{row.number}"}
        outgoing.append(letters(row, name).to(row.email, row, filled))
    # Conditional: a repeat signature that asked for one more send meanwhile keeps its claim
    # on it. One plain statement per group of rows that moved on alike: the ORM's compiling
    # of `filter().update()` cost more than the send it records.
    table = Signature._meta.db_table
    # A try that went through (or was given up) starts the retries afresh for the next.
    update = (
        f"UPDATE {table} SET {delivered} = %s, email_attempts = 0, email_retry_at = NULL "  # noqa: S608
        f"WHERE {delivered} = %s AND id IN "
    )

    def record(done: list[_Owed]) -> None:
        groups: dict[tuple[int, int], list[int]] = {}
        for row in done:
            groups.setdefault((row.number, row.before), []).append(row.pk)
        with connection.cursor() as cursor:
            for (number, before), ids in groups.items():
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(f"{update}({marks})", [number, before, *ids])

    def put_off(items: list[Outgoing]) -> None:
        moment, given_up = leases.now(), []
        for row in (item.key for item in items if isinstance(item.key, _Owed)):
            retry_at = EMAIL_RETRY.next_attempt(row.attempts + 1, moment)
            if retry_at is None:
                given_up.append(row)
            else:
                Signature.objects.filter(pk=row.pk).update(
                    email_attempts=row.attempts + 1, email_retry_at=retry_at
                )
        if given_up:
            logger.warning("gave up %s after %d tries: %s", what, EMAIL_RETRY.attempts, given_up)
            record(given_up)

    if unreachable:
        record(unreachable)
    sent = deliver(
        outgoing,
        lambda items: record([i.key for i in items if isinstance(i.key, _Owed)]),
        put_off,
    )
    worklog.did("sent", sent, what)
    return len(rows)


def _host() -> str | None:
    return urlsplit(settings.SITE_URL).hostname


def _headers(kind: str) -> dict[str, str]:
    # List-Unsubscribe with One-Click (RFC 8058): mail apps show their own unsubscribe button.
    return {
        "List-Unsubscribe": f"<{slot('unsubscribe')}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Message-ID": f"<{kind}.{slot('id')}@{_host()}>",
    }


def _person_context(petition: Petition, named: bool) -> dict[str, object]:
    return {
        "petition": petition,
        "organisation": petition.organisation,
        # The template runs the name through email_name, which leaves a slot as it is.
        "supporter": {"given_name": slot("name") if named else ""},
        "impact_url": slot("impact"),
        "unsubscribe_url": slot("unsubscribe"),
    }


def _confirmation_letter(petition: Petition, named: bool, pending: bool) -> Letter:
    context = _person_context(petition, named) | {"confirm_url": slot("confirm")}
    return Letter(
        subject=render_to_string("actions/email/confirm_subject.txt", context),
        body=render_to_string("actions/email/confirm.txt", context),
        headers=_headers("confirm"),
        organisation_id=petition.organisation_id,
    )


def _confirmation_values(rows: list[_Owed]) -> Callable[[_Owed], dict[str, str]]:
    def values(row: _Owed) -> dict[str, str]:
        return {
            "confirm": links.confirm_url(row.pk),
            "impact": links.supporter_page_url(row.supporter_id),
            "unsubscribe": links.unsubscribe_url(row.supporter_id),
        }

    return values


def _repeat_notice_letter(petition: Petition, named: bool, pending: bool) -> Letter:
    context = _person_context(petition, named) | {
        "share_url": slot("share"),
        "confirm_url": slot("confirm") if pending else "",
    }
    return Letter(
        subject=render_to_string("actions/email/already_signed_subject.txt", context),
        body=render_to_string("actions/email/already_signed.txt", context),
        headers=_headers("already-signed"),
        organisation_id=petition.organisation_id,
    )


def _repeat_notice_values(rows: list[_Owed]) -> Callable[[_Owed], dict[str, str]]:
    # The link each person was given when they first signed, for the whole batch at once.
    shares: dict[tuple[int, int], str] = {}
    for supporter_id, petition_id, token in (
        ShareToken.objects.filter(supporter_id__in={row.supporter_id for row in rows})
        .order_by("-id")
        .values_list("supporter_id", "petition_id", "token")
    ):
        shares[(supporter_id, petition_id)] = token  # the lowest id is written last

    def values(row: _Owed) -> dict[str, str]:
        petition = row.petition
        token = shares.get((row.supporter_id, petition.pk))
        if token is None:
            token = services.first_share_token(Supporter(pk=row.supporter_id), petition).token
        return {
            "confirm": links.confirm_url(row.pk),
            "share": personal_link(petition, token, "copy"),
            "impact": links.supporter_page_url(row.supporter_id),
            "unsubscribe": links.unsubscribe_url(row.supporter_id),
        }

    return values


UPDATE_BATCH = 400
UPDATES_EVERY = timedelta(seconds=2)
# How long a step's lease on an update holds without renewal. The step renews it whenever
# the mail server has taken more of it, so only a step stuck on one message this long (or
# killed) loses it; the next run then takes the update over.
UPDATE_LEASE = timedelta(minutes=2)


class _LeaseLost(Exception):
    """Our lease on an update ran out and another step took it: send no more of it."""


def queue_update(update: PetitionUpdate) -> None:
    """Start sending `update` now rather than at `send_updates`' next look."""
    send_updates.enqueue()


@periodic(every=UPDATES_EVERY, batch=lambda: UPDATE_BATCH)
def send_updates() -> int:
    """Send the petition updates still going out, in bounded steps, and look again shortly.

    An update is sent in steps (`_update_step`): list up to UPDATE_BATCH more recipients
    (confirmed signers from before the update, with a standing 'updates' consent) as
    delivery rows, then send up to UPDATE_BATCH waiting deliveries, each marked sent once
    the mail server took it. Being periodic, this picks up after a failed step, and after
    a worker died mid-step once that step's lease ran out: nobody is sent an update twice,
    except that a kill between a server's 250 and our record doubles that one message.
    """
    return _update_step()


def _update_step() -> int:
    """One step of the oldest update still going out that no other step holds; UPDATE_BATCH
    if it did anything (so the turn goes on), 0 if there was nothing to do.

    The step holds the update's named lease (lib/leases.py) and renews it as the mail server
    takes each message; a step that finds it lost stops sending, and lets go only of a
    lease that is still its own.
    """
    now = leases.now()
    going = PetitionUpdate.objects.filter(finished_at__isnull=True)
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
    gone = [
        delivery.pk
        for delivery in waiting
        if not delivery.supporter.email or delivery.supporter_id not in wanting
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

    def record(done: list[Outgoing]) -> None:
        UpdateDelivery.objects.filter(
            pk__in=[item.key for item in done], state=DeliveryState.PENDING
        ).update(state=DeliveryState.SENT, sent_at=timezone.now())
        still_ours()  # after the record: what the server took is ours to mark sent

    tries = {delivery.pk: delivery.attempts + 1 for delivery in waiting}

    def put_off(items: list[Outgoing]) -> None:
        moment = leases.now()
        for item in items:
            pk = cast(int, item.key)
            retry_at = EMAIL_RETRY.next_attempt(tries[pk], moment)
            UpdateDelivery.objects.filter(pk=pk, state=DeliveryState.PENDING).update(
                attempts=tries[pk],
                retry_at=retry_at,
                state=DeliveryState.PENDING if retry_at else DeliveryState.REFUSED,
            )
            if retry_at is None:
                logger.warning("gave up update delivery %s after %d tries", pk, tries[pk])

    still_ours()
    worklog.did("sent", deliver(outgoing, record, put_off), "update emails")
    return len(waiting)


def _update_letter(update: PetitionUpdate, *, named: bool) -> Letter:
    petition = update.petition
    context = _person_context(petition, named) | {"update": update}
    return Letter(
        subject=update.subject,
        body=render_to_string("actions/email/update.txt", context),
        headers=_headers("update"),
        organisation_id=petition.organisation_id,
    )


@periodic(every=RECOUNT_EVERY)
def recount_petitions() -> None:
    """Recount petitions whose signatures changed.

    This is the only writer of PetitionTally: no request ever touches a counter row.
    """
    for petition_id in services.petitions_needing_recount():
        services.recount(petition_id)
        worklog.did("recounted", 1, "petitions")


RECONCILE_EVERY = timedelta(minutes=1)
RECONCILE_AFTER = timedelta(minutes=2)
RECONCILE_BATCH = 100


@periodic(every=RECONCILE_EVERY)
def reconcile_tallies() -> None:
    """Recount, from the rows, the tallies not recomputed for a while, oldest first.

    The change-driven recount compares timestamps, and a transaction that commits after a
    recount with an older timestamp escapes it; this catches such drift within minutes.
    """
    for petition_id in services.tallies_to_reconcile(RECONCILE_AFTER, RECONCILE_BATCH):
        services.recount(petition_id)


@periodic(every=INTAKE_EVERY, batch=intake.BATCH)
def process_intake() -> int:
    """Record a batch of the signatures the web form took in; how many."""
    return intake.process()
