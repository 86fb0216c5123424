"""The email each decided sign-up is owed ("your place", "the waitlist"), sent in batches.

The worker's decision marks the row (`email_owed`): the row is the queue, as a signature
is for its confirmation (actions/emails.py). Each batch is built once per shift, kind and
language as a `Letter` (notifications/bulk.py) and sent over a few SMTP connections; a
row's mark is cleared only after the mail server's 250, so a worker killed in between
sends that email again, with the same Message-ID. An address the server puts off (a 4xx)
waits for its next try (notifications/owed.py) while the rest go.

An email no longer true when its turn comes is not sent: the sign-up was cancelled, or
moved from the waitlist to a place (that move sent its own "a place opened up"). An erased
sign-up is deleted, and with it what it was owed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import translation

from groundswell.lib import leases
from groundswell.notifications.bulk import Letter, Outgoing
from groundswell.notifications.owed import send_owed
from groundswell.supporters.links import supporter_page_url

from . import emails
from .decide import BATCH
from .models import DecisionEmail, Shift, Signup, SignupState

# The state a sign-up must still be in for its decision's email to be true.
_STILL = {
    DecisionEmail.PLACED: SignupState.CONFIRMED,
    DecisionEmail.WAITLISTED: SignupState.WAITLISTED,
}


@dataclass(frozen=True, slots=True, repr=False)
class _Owed:
    pk: int
    shift_id: int
    kind: str
    state: str
    email: str
    given_name: str
    language: str
    token: str
    supporter_id: int | None
    attempts: int
    decided_at: datetime | None

    def __repr__(self) -> str:  # what a log line may name: never the address or the name
        return f"volunteer sign-up {self.pk}"


def tell_decided(limit: int = BATCH) -> int:
    """Send up to `limit` of the emails owed, oldest first; how many rows were handled."""
    due = Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=leases.now())
    rows = [
        _Owed(*row)
        for row in Signup.objects.exclude(email_owed=DecisionEmail.NONE)
        .filter(due)
        .order_by("pk")
        .values_list(
            "pk", "shift_id", "email_owed", "state", "email", "given_name", "language", "token",
            "supporter_id", "email_attempts", "decided_at",
        )[:limit]
    ]  # fmt: skip
    if not rows:
        return 0
    shifts = Shift.objects.select_related("need__organisation").in_bulk(
        {row.shift_id for row in rows}
    )
    letters: dict[tuple[int, str, str, bool, bool], Letter] = {}
    outgoing: list[Outgoing] = []
    stale: list[_Owed] = []
    for row in sorted(rows, key=lambda row: row.language):  # a language active once
        if _STILL.get(DecisionEmail(row.kind)) != row.state:
            stale.append(row)
            continue
        shift = shifts[row.shift_id]
        language = row.language or settings.LANGUAGE_CODE
        named, sharing = bool(row.given_name), row.supporter_id is not None
        key = (row.shift_id, row.kind, language, named, sharing)
        letter = letters.get(key)
        if letter is None:
            with translation.override(language):
                letter = emails.decision_letter(row.kind, shift, named=named, sharing=sharing)
            letters[key] = letter
        values = {
            "name": row.given_name,
            "page": emails.own_page_url(shift.need.organisation.slug, row.token),
            "sharing": supporter_page_url(row.supporter_id) if row.supporter_id else "",
            # One Message-ID per decision (the same for a copy sent again after a kill): a
            # second decision after a cancel and a new sign-up is a new message, which mail
            # services would otherwise drop as one they have already.
            "id": f"{row.pk}.{int(row.decided_at.timestamp() * 1000) if row.decided_at else 0}",
        }
        outgoing.append(letter.to(row.email, row, values))
    send_owed(outgoing, stale, done=_told, try_again=_try_again, what="volunteer decision emails")
    return len(rows)


_TOLD = (
    f"UPDATE {Signup._meta.db_table} SET email_owed = '', email_attempts = 0, "  # noqa: S608
    "email_retry_at = NULL WHERE email_owed = %s AND id IN "
)


def _told(rows: list[_Owed]) -> None:
    """Owed nothing more. Conditional: a sign-up cancelled and decided afresh meanwhile
    is owed its new decision's email (of the same kind, it gets the one just sent)."""
    groups: dict[str, list[int]] = {}
    for row in rows:
        groups.setdefault(row.kind, []).append(row.pk)
    with connection.cursor() as cursor:
        for kind, ids in groups.items():
            cursor.execute(_TOLD + "(" + ", ".join(["%s"] * len(ids)) + ")", [kind, *ids])


def _try_again(row: _Owed, attempts: int, when: datetime) -> None:
    Signup.objects.filter(pk=row.pk, email_owed=row.kind).update(
        email_attempts=attempts, email_retry_at=when
    )
