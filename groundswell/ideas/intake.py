"""Votes take the sign path's shape: one INSERT in the request, the rest in the worker.

`take` stores a `VoteIntake` row guarded by the (idea, email_key) unique constraint (the
alias-aware key of lib/emails.py, as signatures use), so a second vote from the same
person, however they spell their address, stores nothing and gets the same token back.
`process` records the rows in arrival order (a referrer before the people their link
brought): the person, their vote and its referral credit, and deletes the row in the same
transaction as the vote; first-time voters in batches, as the signatures' intake records
first-time signers. A new vote owes its confirmation email until `vote_emails.py` has
sent it: nothing is queued per vote here.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from groundswell.lib import worklog
from groundswell.lib.bulk import prepare_insert
from groundswell.lib.emails import normalise_email
from groundswell.referrals.models import new_token
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import find_or_create_supporter

from .access import IdeaForVote
from .models import Idea, Vote, VoteIntake, VoteToken

logger = logging.getLogger(__name__)
BATCH = 500
CHUNK = 100


@dataclass
class VoteRequest:
    email: str
    given_name: str
    language: str = ""
    wants_updates: bool = False
    referral_token: str = ""
    referrer_data: dict[str, Any] = field(default_factory=dict)


def take(idea: Idea | IdeaForVote, request: VoteRequest) -> str:
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
            idea_id=idea.pk, supporter__organisation_id=idea.organisation_id,
            supporter__email_key=email_key,
        ).values_list("share_token", flat=True).first()  # fmt: skip
        return found or take(idea, request)
    return str(row[0])


def _votes_with_token(tokens: Iterable[str]) -> QuerySet[Vote]:
    """The recorded votes any of `tokens` belongs to: each vote's own, or one a repeat got."""
    listed = list(tokens)
    return Vote.objects.filter(Q(share_token__in=listed) | Q(other_tokens__token__in=listed))


def _recorded_tokens(tokens: list[str]) -> set[str]:
    """Those of `tokens` a recorded vote holds, as its own or as a repeat's."""
    own = Vote.objects.filter(share_token__in=tokens).values_list("share_token", flat=True)
    other = VoteToken.objects.filter(token__in=tokens).values_list("token", flat=True)
    return set(own.union(other, all=True))  # one statement


def is_token_of(idea: Idea, token: str) -> bool:
    """Whether `token` is a vote's share token for this idea (waiting or recorded)."""
    if not token.isascii() or len(token) > 32:
        return False
    return (
        VoteIntake.objects.filter(idea=idea, share_token=token).exists()
        or _votes_with_token([token]).filter(idea=idea).exists()
    )


def referrer_of(token: str, organisation_id: int) -> int | None:
    """The supporter a share token belongs to (a voter's or an idea's author's), if any."""
    token = token[:32]
    if not token:
        return None
    found = (
        _votes_with_token([token])
        .filter(idea__organisation_id=organisation_id)
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


class IntakeChanged(Exception):
    pass


def process(limit: int = BATCH) -> int:
    """Record up to `limit` waiting votes, oldest first; how many were done.

    Each chunk is written with a few multi-row INSERTs prepared before the write
    transaction starts (lib/bulk.py), as the signatures' intake writes first-time signers:
    the people met for the first time, then the votes (each owing its confirmation email).
    Referral credit follows arrival order (a voter earlier in the chunk can have brought a
    later one), and a person who voted for the idea already, under any spelling of their
    address, gets no second vote. Anything unexpected sends the chunk through
    `_record_one`, row by row.

    On PostgreSQL each chunk is one transaction holding its intake rows FOR UPDATE, so two
    workers never take the same row. SQLite has one write lock for the whole file, which
    the vote form needs too: there each step is its own short transaction, and a worker
    that died between two steps leaves rows that the next run records.
    """
    sqlite = connection.vendor == "sqlite"
    done = 0
    ids = list(VoteIntake.objects.order_by("id").values_list("id", flat=True)[:limit])
    ideas: dict[int, Idea] = {}
    for start in range(0, len(ids), CHUNK):
        rows = VoteIntake.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("id")
        with contextlib.nullcontext() if sqlite else transaction.atomic():
            if not sqlite:  # rows another worker holds are skipped, and it does them
                rows = rows.select_for_update(skip_locked=True)
            done += _record_rows(list(rows), ideas)
    worklog.did("recorded", done, "votes")
    return done


def _record_rows(rows: list[VoteIntake], ideas: dict[int, Idea]) -> int:
    wanted = {row.idea_id for row in rows} - set(ideas)
    if wanted:
        for idea in Idea.objects.select_related("challenge__organisation").filter(pk__in=wanted):
            ideas[idea.pk] = idea
    rows = [row for row in rows if row.idea_id in ideas]  # a deleted idea took its rows
    if not rows:
        return 0
    for row in rows:
        row.idea = ideas[row.idea_id]
    try:
        _bulk_record(rows)
    except Exception:
        # Typically the same person arrived by another door (a petition, an idea) between
        # our look-up and our INSERT; the single path copes with that, row by row.
        logger.info("recording %s vote intake rows one by one", len(rows), exc_info=True)
        return sum(_record_one(row) for row in rows)
    return len(rows)


def _record_one(row: VoteIntake) -> int:
    try:
        with transaction.atomic():
            # Gone since we read it: erased with its supporter, or recorded by a second
            # worker (SQLite has no row locks, so two workers on one file may both pick a
            # row up). Inside the write transaction the answer holds until we commit.
            if not VoteIntake.objects.filter(pk=row.pk).delete()[0]:
                return 1
            if _recorded_tokens([row.share_token]):
                return 1  # recorded already: this row was a stale copy of one recorded
            _record(row)
    except Exception:
        # Leave the row for the next run; one bad row must not stop the rest.
        logger.exception("could not record vote intake %s", row.pk)
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
    earlier = Vote.objects.filter(idea=idea, supporter=supporter).values_list("pk", flat=True)
    if earlier:
        # Voted already (through another spelling of the address, since recorded): no second
        # vote, but the token this one was answered with leads to the first.
        VoteToken.objects.create(token=row.share_token, vote_id=earlier[0])
        return
    referrer = referrer_of(request.referral_token, organisation.pk)
    _new_vote(row, request, supporter.pk, referrer).save(force_insert=True)


def _new_vote(
    row: VoteIntake, request: VoteRequest, supporter_id: int, referrer: int | None
) -> Vote:
    return Vote(
        idea_id=row.idea_id,
        supporter_id=supporter_id,
        wants_updates=request.wants_updates,
        language=request.language[:35],
        share_token=row.share_token,
        referred_by_id=referrer if referrer != supporter_id else None,
        referrer_data=request.referrer_data,
        channel=str(request.referrer_data.get("source", ""))[:40],
        created_at=row.created_at,
    )


def _bulk_record(rows: list[VoteIntake]) -> None:
    """Two short transactions: the people the organisation did not know yet, then the votes
    with the intake rows' deletion (each new vote owes its confirmation email).

    A person the organisation knows is found by their address key, as `_record` finds
    them; one who voted for the idea already (another spelling since recorded) gets no
    second vote, the token they were answered with leading to the first (`VoteToken`), and
    a row already recorded (a stale copy) is only deleted. If the second
    transaction fails (or the worker dies before it) the people stay, and the next run
    finds them by their key.
    """
    requests = [VoteRequest(**row.payload) for row in rows]
    people = _people(rows, requests)
    recorded = _recorded_tokens([row.share_token for row in rows])
    vote_of: dict[tuple[int, int], int] = {
        (idea_id, supporter_id): pk
        for idea_id, supporter_id, pk in Vote.objects.filter(
            idea_id__in={row.idea_id for row in rows}, supporter_id__in=set(people.values())
        ).values_list("idea_id", "supporter_id", "pk")
    }
    voted = set(vote_of)
    # A repeat's token, and the (idea, supporter) of the vote it leads to.
    repeats: list[tuple[str, tuple[int, int]]] = []
    shares = _shares({request.referral_token[:32] for request in requests} - {""})
    votes: list[Vote] = []
    for row, request in zip(rows, requests, strict=True):
        organisation_id = row.idea.organisation_id
        supporter_id = people[(organisation_id, row.email_key)]
        if row.share_token in recorded:
            continue
        if (row.idea_id, supporter_id) in voted:
            repeats.append((row.share_token, (row.idea_id, supporter_id)))
            shares[row.share_token] = (supporter_id, organisation_id)
            continue
        voted.add((row.idea_id, supporter_id))
        found = shares.get(request.referral_token[:32])
        referrer = found[0] if found and found[1] == organisation_id else None
        votes.append(_new_vote(row, request, supporter_id, referrer))
        shares[row.share_token] = (supporter_id, organisation_id)  # for those this one brought
    insert_votes = prepare_insert(Vote, votes, returning=["id", "share_token"]) if votes else None
    with transaction.atomic():
        if VoteIntake.objects.filter(pk__in=[row.pk for row in rows]).delete()[0] != len(rows):
            # Some were erased (or taken by another worker) since we read them: roll back
            # and let the single path sort out which.
            raise IntakeChanged
        if insert_votes is not None:
            made = {token: pk for pk, token in insert_votes.execute()}
            for vote in votes:
                vote_of[(vote.idea_id, vote.supporter_id)] = made[vote.share_token]
        VoteToken.objects.bulk_create(
            [VoteToken(token=token, vote_id=vote_of[pair]) for token, pair in repeats]
        )


def _people(rows: list[VoteIntake], requests: list[VoteRequest]) -> dict[tuple[int, str], int]:
    """The supporter id for each (organisation, address key) of these rows: found, or
    created in one INSERT (in a transaction of its own) for those met for the first time."""
    organisations = {row.idea.organisation_id for row in rows}
    people: dict[tuple[int, str], int] = {
        (organisation_id, key): pk
        for pk, organisation_id, key in Supporter.objects.filter(
            organisation_id__in=organisations, email_key__in={row.email_key for row in rows}
        ).values_list("pk", "organisation_id", "email_key")
    }
    new: dict[tuple[int, str], Supporter] = {}
    for row, request in zip(rows, requests, strict=True):
        key = (row.idea.organisation_id, row.email_key)
        if key not in people and key not in new:
            # The same person voting for two ideas in one batch is one person.
            new[key] = Supporter(
                organisation_id=key[0],
                email=request.email,
                email_key=row.email_key,
                given_name=request.given_name,
            )
    if not new:
        return people
    insert = prepare_insert(
        Supporter, list(new.values()), returning=["id", "organisation", "email_key"]
    )
    with transaction.atomic():
        # A row erased since we read it must not bring its person back. PostgreSQL holds the
        # rows FOR UPDATE, so an erasure waits for us; SQLite has no row locks, so look again
        # under the write lock.
        if connection.vendor == "sqlite" and VoteIntake.objects.filter(
            pk__in=[row.pk for row in rows]
        ).count() != len(rows):
            raise IntakeChanged
        for pk, organisation_id, key in insert.execute():
            people[(organisation_id, key)] = pk
    return people


def _shares(tokens: set[str]) -> dict[str, tuple[int, int]]:
    """The supporter and organisation behind each share token: a recorded vote's, or an
    idea's author's (`referrer_of` for many tokens at once)."""
    if not tokens:
        return {}
    found: dict[str, tuple[int, int]] = {}
    for token, other, supporter_id, organisation_id in _votes_with_token(tokens).values_list(
        "share_token", "other_tokens__token", "supporter_id", "idea__organisation_id"
    ):
        for known in (token, other):
            if known in tokens:
                found[known] = (supporter_id, organisation_id)
    for token, supporter_id, organisation_id in Idea.objects.filter(
        share_token__in=tokens - set(found), supporter__isnull=False
    ).values_list("share_token", "supporter_id", "organisation_id"):
        found[token] = (supporter_id, organisation_id)
    return found
