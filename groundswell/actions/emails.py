"""Confirmation and "already signed" emails: owed by signature rows, sent in batches.

A signature owes an email while its `wanted` count (`confirmation_sends`, `repeat_notices`)
is ahead of its `delivered` count: the row is the queue. Each message is handed to the mail
server first and counted after, so a worker killed in between sends it again (at least
once) with the same Message-ID (see notifications/bulk.py). The periodic task that runs
this is `tasks.send_confirmations`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from groundswell.lib import leases
from groundswell.lib.names import email_name
from groundswell.notifications.bulk import Letter, Outgoing, slot
from groundswell.notifications.owed import send_owed
from groundswell.referrals.models import ShareToken
from groundswell.referrals.sharing import personal_link
from groundswell.supporters import links
from groundswell.supporters.models import Supporter

from . import services
from .models import Petition, Signature, SignatureState

logger = logging.getLogger(__name__)

CONFIRMATION_BATCH = 400


def send_confirmations_and_notices() -> int:
    """Send a batch of each kind owed; the larger batch's size (a full one: there may be more)."""
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

    def try_again(row: _Owed, attempts: int, when: datetime) -> None:
        Signature.objects.filter(pk=row.pk).update(email_attempts=attempts, email_retry_at=when)

    send_owed(outgoing, unreachable, done=record, try_again=try_again, what=what)
    return len(rows)


def _host() -> str | None:
    return urlsplit(settings.SITE_URL).hostname


def headers(kind: str) -> dict[str, str]:
    # List-Unsubscribe with One-Click (RFC 8058): mail apps show their own unsubscribe button.
    return {
        "List-Unsubscribe": f"<{slot('unsubscribe')}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Message-ID": f"<{kind}.{slot('id')}@{_host()}>",
    }


def person_context(petition: Petition, named: bool) -> dict[str, object]:
    return {
        "petition": petition,
        "organisation": petition.organisation,
        # The template runs the name through email_name, which leaves a slot as it is.
        "supporter": {"given_name": slot("name") if named else ""},
        "impact_url": slot("impact"),
        "unsubscribe_url": slot("unsubscribe"),
    }


def _confirmation_letter(petition: Petition, named: bool, pending: bool) -> Letter:
    context = person_context(petition, named) | {"confirm_url": slot("confirm")}
    return Letter(
        subject=render_to_string("actions/email/confirm_subject.txt", context),
        body=render_to_string("actions/email/confirm.txt", context),
        headers=headers("confirm"),
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
    context = person_context(petition, named) | {
        "share_url": slot("share"),
        "confirm_url": slot("confirm") if pending else "",
    }
    return Letter(
        subject=render_to_string("actions/email/already_signed_subject.txt", context),
        body=render_to_string("actions/email/already_signed.txt", context),
        headers=headers("already-signed"),
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
