"""Emails that rows owe, sent a batch at a time: what the mail server took is recorded as
done, what it put off waits for its next try (EMAIL_RETRY), and is given up after the last
one, recorded as done as a refused one is.

Signatures (actions/emails.py), votes (ideas/vote_emails.py), RSVP decisions
(events/letters.py) and volunteer sign-ups keep the state of their emails on their own rows;
each reads a batch of the rows that owe one, builds the letters and hands them to
`send_owed` with the two writes only it knows: "done" and "try again at".
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, cast

from groundswell.lib import leases, worklog

from .bulk import Outgoing, deliver

logger = logging.getLogger(__name__)

# A recipient the mail server keeps putting off (a 4xx to RCPT: a full mailbox,
# greylisting) is tried again after these waits, about two days in all, then given up.
# No claim is involved: the lease is unused.
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


class Owed(Protocol):
    """A row that owes an email, as read for a batch. Its repr is what a log line names:
    never the address or the name."""

    @property
    def attempts(self) -> int: ...  # times the mail server put this address off


def send_owed[T: Owed](
    outgoing: list[Outgoing],
    unreachable: Sequence[T],
    *,
    done: Callable[[list[T]], None],
    try_again: Callable[[T, int, datetime], None],
    what: str,
) -> int:
    """Send `outgoing` (each keyed by its row); how many the server took.

    `done(rows)` records rows whose email needs no more sending: taken by the server,
    refused for good, given up, or with nobody to write to (`unreachable`, recorded first).
    `try_again(row, attempts, when)` stores a put-off row's next try.
    """
    if unreachable:
        done(list(unreachable))

    def taken(items: list[Outgoing]) -> None:
        done([cast("T", item.key) for item in items])

    def put_off(items: list[Outgoing]) -> None:
        moment, given_up = leases.now(), []
        for row in (cast("T", item.key) for item in items):
            when = EMAIL_RETRY.next_attempt(row.attempts + 1, moment)
            if when is None:
                given_up.append(row)
            else:
                try_again(row, row.attempts + 1, when)
        if given_up:
            logger.warning("gave up %s after %d tries: %s", what, EMAIL_RETRY.attempts, given_up)
            done(given_up)

    sent = deliver(outgoing, taken, put_off)
    worklog.did("sent", sent, what)
    return sent


# After the mail server could not be reached, a task that also decides places or records
# actions skips its sending for these waits (the last repeated) and goes on deciding: a
# mail outage must not slow what the emails are about.
MAIL_PAUSES = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2))
_paused: dict[str, tuple[datetime, int]] = {}


def unless_mail_is_down(name: str, send: Callable[[], int]) -> int:
    """`send()` (a batch of owed emails, done by `send_owed`), or 0 while the mail server
    is known to be out of reach: a failure to reach it is logged and pauses `name`'s
    sending in this process (MAIL_PAUSES), and the rows keep owing their emails."""
    moment = leases.now()
    until, failures = _paused.get(name, (moment, 0))
    if moment < until:
        return 0
    try:
        sent = send()
    except (OSError, smtplib.SMTPException) as error:
        wait = MAIL_PAUSES[min(failures, len(MAIL_PAUSES) - 1)]
        _paused[name] = (moment + wait, failures + 1)
        # The error's own text: the server's reply or the socket's reason, never a row's
        # address (bulk.py raises without it).
        logger.warning("%s: the mail server could not take them (%s); trying again in %s",
                       name, error, wait)  # fmt: skip
        return 0
    _paused.pop(name, None)
    return sent


def forget_mail_pauses() -> None:
    _paused.clear()
