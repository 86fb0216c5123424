"""Votes' confirmation emails: owed by the vote rows, sent in batches.

A pending vote owes its email until `confirmation_emailed` is set, which happens only after
the mail server took it (its 250), refused it for good, or was given up on: the row is the
queue, as a signature's is (actions/emails.py), so recording a vote queues nothing. Each
email is a `Letter` rendered once per idea, language and greeting, filled in per voter and
sent over a few SMTP connections (notifications/bulk.py). A worker killed between a 250
and its record sends that one again on its next run, with the same Message-ID.

A vote whose person was erased meanwhile has no address left and is marked done unsent;
one deleted (retention, its idea gone) is simply no longer owed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import translation

from groundswell.lib import leases
from groundswell.lib.names import email_name
from groundswell.notifications.bulk import Letter, Outgoing, slot
from groundswell.notifications.owed import send_owed

from . import links
from .emails import compose
from .models import Idea, Vote, VoteState

WHAT = "vote confirmation emails"

BATCH = 400


@dataclass(frozen=True, slots=True, repr=False)
class _Owed:
    """What one owed email needs of its vote row (values, not model instances)."""

    pk: int
    idea_id: int
    language: str
    email: str
    given_name: str
    attempts: int  # times the mail server put this address off

    def __repr__(self) -> str:  # what a log line may name: never the address or the name
        return f"vote {self.pk}"


def owed() -> Q:
    """The votes still owing their confirmation email, due now."""
    return Q(state=VoteState.PENDING, confirmation_emailed=False) & (
        Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=leases.now())
    )


def send_batch(limit: int = BATCH) -> int:
    """Send up to `limit` owed confirmation emails, oldest vote first; how many rows were
    looked at (a full batch: there may be more).

    A voter's email is in the language their page was in; an address the server puts off
    waits for its next try (notifications.owed.EMAIL_RETRY) while the rest go, and once the
    tries are used up it counts as emailed, as a refused one does.
    """
    found = list(
        Vote.objects.filter(owed())
        .order_by("id")
        .values_list(
            "pk", "idea_id", "language", "supporter__email", "supporter__given_name",
            "email_attempts",
        )[:limit]
    )  # fmt: skip
    if not found:
        return 0
    rows = [_Owed(*row) for row in found]
    ideas = Idea.objects.select_related("challenge__organisation").in_bulk(
        {row.idea_id for row in rows}
    )
    unreachable = [row for row in rows if not row.email or row.idea_id not in ideas]
    by_language: dict[str, list[_Owed]] = defaultdict(list)
    for row in rows:
        if row.email and row.idea_id in ideas:
            by_language[row.language or settings.LANGUAGE_CODE].append(row)
    outgoing: list[Outgoing] = []
    for language, group in by_language.items():
        # One language at a time: each letter is rendered once, in it, for all its voters.
        with translation.override(language):
            letters: dict[tuple[int, bool], Letter] = {}
            for row in group:
                # As every email that greets a stored name: cleaned first (lib/names.py).
                name = email_name(row.given_name)
                key = (row.idea_id, bool(name))
                letter = letters.get(key)
                if letter is None:
                    letter = letters[key] = _letter(ideas[row.idea_id], named=key[1])
                values = {
                    "name": name,
                    "confirm": links.confirm_url("vote", row.pk),
                    "id": str(row.pk),
                }
                outgoing.append(letter.to(row.email, row, values))

    def try_again(row: _Owed, attempts: int, when: datetime) -> None:
        Vote.objects.filter(pk=row.pk).update(email_attempts=attempts, email_retry_at=when)

    send_owed(outgoing, unreachable, done=_record, try_again=try_again, what=WHAT)
    return len(rows)


def _record(done: list[_Owed]) -> None:
    """Mark these votes' emails as sent. One plain statement: the ORM's compiling of an
    update costs about as much as the send it records (see actions/emails.py). It leaves
    `updated_at` alone, so the idea is not recounted for it."""
    if not done:
        return
    table = Vote._meta.db_table
    marks = ", ".join(["%s"] * len(done))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET confirmation_emailed = %s, email_attempts = 0, "  # noqa: S608
            f"email_retry_at = NULL WHERE id IN ({marks})",
            [True, *(row.pk for row in done)],
        )


def _letter(idea: Idea, *, named: bool) -> Letter:
    """The vote's confirmation email for this idea, in the active language, with slots for
    the voter's name, link and Message-ID: the words `emails.compose` writes for everyone."""
    organisation = idea.challenge.organisation
    subject, body = compose(
        kind="vote", name=slot("name") if named else "", what=idea.title,
        link=slot("confirm"), signature=str(organisation.name),
    )  # fmt: skip
    return Letter(
        subject=subject,
        body=body,
        headers={
            "Message-ID": f"<vote-confirm.{slot('id')}@{urlsplit(settings.SITE_URL).hostname}>"
        },
        organisation_id=organisation.pk,
    )
