"""Votes take the sign path's shape: one INSERT in the request, the rest in the worker.

`take` stores a `VoteIntake` row guarded by the (idea, email_key) unique constraint (the
alias-aware key of lib/emails.py, as signatures use), so a second vote from the same
person, however they spell their address, stores nothing and gets the same token back.
`process` records the rows in arrival order (a referrer before the people their link
brought): the person, their vote, its referral credit and the confirmation email, and
deletes the row in the same transaction.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from groundswell.lib import worklog
from groundswell.lib.emails import normalise_email
from groundswell.referrals.models import new_token
from groundswell.supporters.services import find_or_create_supporter

from . import emails
from .models import Idea, Vote, VoteIntake

logger = logging.getLogger(__name__)
BATCH = 200


@dataclass
class VoteRequest:
    email: str
    given_name: str
    language: str = ""
    wants_updates: bool = False
    referral_token: str = ""
    referrer_data: dict[str, Any] = field(default_factory=dict)


def take(idea: Idea, request: VoteRequest) -> str:
    """Store the vote durably with one INSERT; return the voter's share token."""
    email_key = normalise_email(request.email)
    table = VoteIntake._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (idea_id, email_key, payload, share_token, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (idea_id, email_key) DO NOTHING "
            "RETURNING share_token",
            [idea.pk, email_key, json.dumps(asdict(request)), new_token(), timezone.now()],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"SELECT share_token FROM {table} WHERE idea_id = %s AND email_key = %s",  # noqa: S608
                [idea.pk, email_key],
            )
            row = cursor.fetchone()
    if row is None:
        # Recorded (and the row deleted) between the two statements: the vote's own token.
        found = Vote.objects.filter(
            idea=idea, supporter__organisation_id=idea.organisation_id,
            supporter__email_key=email_key,
        ).values_list("share_token", flat=True).first()  # fmt: skip
        return found or take(idea, request)
    return str(row[0])


def is_token_of(idea: Idea, token: str) -> bool:
    """Whether `token` is a vote's share token for this idea (waiting or recorded)."""
    if not token.isascii() or len(token) > 32:
        return False
    return (
        VoteIntake.objects.filter(idea=idea, share_token=token).exists()
        or Vote.objects.filter(idea=idea, share_token=token).exists()
    )


def referrer_of(token: str, organisation_id: int) -> int | None:
    """The supporter a share token belongs to (a voter's or an idea's author's), if any."""
    token = token[:32]
    if not token:
        return None
    found = (
        Vote.objects.filter(share_token=token, idea__organisation_id=organisation_id)
        .values_list("supporter_id", flat=True)
        .first()
    )
    if found is None:
        found = (
            Idea.objects.filter(share_token=token, organisation_id=organisation_id)
            .values_list("supporter_id", flat=True)
            .first()
        )
    return found


def process(limit: int = BATCH) -> int:
    """Record up to `limit` waiting votes, oldest first; how many were done."""
    done = 0
    ids = list(VoteIntake.objects.order_by("id").values_list("id", flat=True)[:limit])
    for pk in ids:
        done += _record_one(pk)
    worklog.did("recorded", done, "votes")
    return done


def _record_one(pk: int) -> int:
    try:
        with transaction.atomic():
            rows = VoteIntake.objects.filter(pk=pk).select_related("idea__challenge__organisation")
            if connection.vendor != "sqlite":
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            row = rows.first()
            if row is None:
                return 0  # another worker holds it, or it was erased
            _record(row)
            row.delete()
    except Exception:
        logger.exception("could not record vote intake %s", pk)
        return 0
    return 1


def _record(row: VoteIntake) -> None:
    request = VoteRequest(**row.payload)
    idea = row.idea
    organisation = idea.challenge.organisation
    supporter = find_or_create_supporter(
        organisation, email=request.email, email_key=row.email_key,
        given_name=request.given_name,
    )  # fmt: skip
    if Vote.objects.filter(idea=idea, supporter=supporter).exists():
        return  # voted already (through another spelling of the address, since recorded)
    referrer = referrer_of(request.referral_token, organisation.pk)
    vote = Vote.objects.create(
        idea=idea,
        supporter=supporter,
        wants_updates=request.wants_updates,
        language=request.language[:35],
        share_token=row.share_token,
        referred_by_id=referrer if referrer != supporter.pk else None,
        referrer_data=request.referrer_data,
        channel=str(request.referrer_data.get("source", ""))[:40],
        created_at=row.created_at,
    )
    emails.queue_confirmation(
        kind="vote", pk=vote.pk, email=request.email, name=request.given_name,
        language=request.language, what=idea.title, organisation=organisation,
    )  # fmt: skip
