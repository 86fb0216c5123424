"""The lean sign path: one INSERT per signature in the request, the rest in batches.

Under a spike the request must not wait for anything but its own durable row. The web form
validates without touching the database (the petition comes from a short per-process
cache), inserts one `SignatureIntake` row guarded by the (petition, email) unique
constraint, and answers with the thank-you page for the share token stored in that row.
`process` (run by the `process_intake` task) then records the rows in arrival order, so that
a referrer is always recorded before the people their link brought, and deletes each in the
same transaction that records it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time

from django.db import connection, transaction
from django.utils import timezone

from groundswell.lib import worklog
from groundswell.lib.bulk import prepare_insert
from groundswell.lib.emails import normalise_email
from groundswell.referrals.models import ShareToken, new_token
from groundswell.supporters.models import Consent, Supporter

from .models import Petition, Signature, SignatureIntake
from .services import (
    SignatureRequest,
    credited,
    new_consents,
    new_signature,
    sign_petition,
    supporter_details,
)
from .signals import signals_for

logger = logging.getLogger(__name__)
CACHE_SECONDS = 5.0
_petitions: dict[tuple[str, int], tuple[float, Petition]] = {}


def petition_for_signing(org_slug: str, petition_id: int) -> Petition | None:
    """The public petition, from a per-process cache a few seconds old at most."""
    return _cached((org_slug, petition_id), organisation__slug=org_slug)


def petition_for_helper(petition_id: int) -> Petition | None:
    """The OSDI helper's way in: the public petition by its id alone, cached the same way."""
    return _cached(("", petition_id))  # no organisation has an empty slug


def _cached(key: tuple[str, int], **where: str) -> Petition | None:
    now = time.monotonic()
    cached = _petitions.get(key)
    if cached and cached[0] > now:
        return cached[1]
    petition = Petition.objects.public().filter(pk=key[1], **where).first()
    if petition is not None:
        _petitions[key] = (now + CACHE_SECONDS, petition)
    return petition


def forget_cached_petitions() -> None:
    _petitions.clear()


def take(petition: Petition, request: SignatureRequest) -> str:
    """Store the signature durably with one INSERT; return the share token for the reply.

    A repeat of an unprocessed signature (same person, same petition) stores nothing and
    gets the same token back.
    """
    email_key = normalise_email(request.email)
    token = new_token()
    table = SignatureIntake._meta.db_table
    # One statement in autocommit: it is its own transaction, durable when it returns,
    # with no BEGIN and COMMIT round trips (and the SQLite write lock for just this INSERT).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (petition_id, email_key, payload, share_token, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (petition_id, email_key) DO NOTHING "
            "RETURNING share_token",
            [petition.pk, email_key, json.dumps(vars(request)), token, timezone.now()],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"SELECT share_token FROM {table} WHERE petition_id = %s AND email_key = %s",  # noqa: S608
                [petition.pk, email_key],
            )
            row = cursor.fetchone()
    if row is None:  # processed and deleted between our two statements: store it again
        return take(petition, request)
    return str(row[0])


class IntakeChanged(Exception):
    pass


BATCH = 500
CHUNK = 100


def process(limit: int = BATCH) -> int:
    """Record up to `limit` waiting signatures, oldest first; return how many were done.

    Runs of first-time signers are written with a handful of multi-row INSERTs whose SQL is
    built before the write transaction starts (groundswell/lib/bulk.py); anyone the
    organisation already knows (a repeat, or a supporter from another petition) goes
    through `sign_petition` on its own, in arrival order, so that a referrer is recorded
    before the people their link brought.

    On PostgreSQL each chunk is one transaction holding its intake rows FOR UPDATE, so two
    workers never take the same row. SQLite has one write lock for the whole file, which
    the sign form needs too: there each step is its own short transaction, and a worker
    that died between two steps leaves rows that the next run records (see `_record_one`).
    """
    sqlite = connection.vendor == "sqlite"
    done = 0
    ids = list(SignatureIntake.objects.order_by("id").values_list("id", flat=True)[:limit])
    petitions: dict[int, Petition] = {}
    for start in range(0, len(ids), CHUNK):
        rows = SignatureIntake.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("id")
        with contextlib.nullcontext() if sqlite else transaction.atomic():
            if not sqlite:  # rows another worker holds are skipped, and it does them
                rows = rows.select_for_update(skip_locked=True)
            done += _record_rows(list(rows), petitions)
    worklog.did("recorded", done, "signatures")
    return done


def _petition(petition_id: int, petitions: dict[int, Petition]) -> Petition:
    petition = petitions.get(petition_id)
    if petition is None:
        petition = Petition.objects.select_related(
            "organisation", "consent_wording", "updates_wording"
        ).get(pk=petition_id)
        petitions[petition_id] = petition
    return petition


def _record_rows(rows: list[SignatureIntake], petitions: dict[int, Petition]) -> int:
    for row in rows:
        _petition(row.petition_id, petitions)
    keys = {row.email_key for row in rows}
    organisations = {petition.organisation_id for petition in petitions.values()}
    known = set(
        Supporter.objects.filter(organisation_id__in=organisations, email_key__in=keys).values_list(
            "organisation_id", "email_key"
        )
    )
    done = 0
    run: list[SignatureIntake] = []
    for row in rows:
        key = (petitions[row.petition_id].organisation_id, row.email_key)
        if key in known:
            done += _record_run(run, petitions) + _record_one(row, petitions)
            run = []
        else:
            run.append(row)
            known.add(key)  # a second row for the same person waits for this one
    return done + _record_run(run, petitions)


def _record_one(row: SignatureIntake, petitions: dict[int, Petition]) -> int:
    try:
        with transaction.atomic():
            # Gone since we read it: erased with its supporter, or recorded by a second worker
            # (SQLite has no row locks, so two workers on one file may both pick a row up).
            # Inside the write transaction the answer holds until we commit.
            if not SignatureIntake.objects.filter(pk=row.pk).delete()[0]:
                return 1
            if ShareToken.objects.filter(token=row.share_token).exists():
                return 1  # recorded already: this row was a stale copy of one recorded
            request = SignatureRequest(**row.payload)
            (found,) = signals_for([(request, row.created_at)])
            # The petition was open when the person signed; it may have closed since.
            sign_petition(
                petitions[row.petition_id],
                request,
                share_token=row.share_token,
                check_open=False,
                signals=found,
            )
    except Exception:
        # Leave the row for the next run; one bad row must not stop the rest.
        logger.exception("could not record signature intake %s", row.pk)
        return 0
    return 1


def _record_run(rows: list[SignatureIntake], petitions: dict[int, Petition]) -> int:
    """First-time signers, in bulk; one by one if anything about them is unexpected."""
    if not rows:
        return 0
    try:
        _bulk_record(rows, petitions)
    except Exception:
        # Typically someone signing through the OSDI helper at the same moment created one of
        # these people first; the single path copes with that.
        logger.info("recording %s intake rows one by one", len(rows), exc_info=True)
        return sum(_record_one(row, petitions) for row in rows)
    return len(rows)


def _bulk_record(rows: list[SignatureIntake], petitions: dict[int, Petition]) -> None:
    """Two short transactions: the people, then their signatures, links and consents.

    If the second fails (or the worker dies before it), the people stay and the rows are
    recorded through the single path, which finds them again by email.
    """
    requests = [SignatureRequest(**row.payload) for row in rows]
    found = signals_for(
        [(request, row.created_at) for row, request in zip(rows, requests, strict=True)]
    )
    people = [
        Supporter(
            organisation_id=petitions[row.petition_id].organisation_id,
            email=request.email,
            email_key=row.email_key,
            **supporter_details(request),
        )
        for row, request in zip(rows, requests, strict=True)
    ]
    insert_people = prepare_insert(Supporter, people, returning=["id", "organisation", "email_key"])
    ids = [row.pk for row in rows]
    with transaction.atomic():
        # A row erased since we read it must not bring its person back. PostgreSQL holds the
        # rows FOR UPDATE, so an erasure waits for us; SQLite has no row locks, so look again
        # under the write lock.
        sqlite = connection.vendor == "sqlite"
        if sqlite and SignatureIntake.objects.filter(pk__in=ids).count() != len(rows):
            raise IntakeChanged
        created = {(org, key): pk for pk, org, key in insert_people.execute()}
    for person in people:
        person.pk = created[(person.organisation_id, person.email_key)]

    wanted = {request.referral_token[:32] for request in requests if request.referral_token}
    shares: dict[str, tuple[int, int]] = {
        token: (supporter_id, petition_id)
        for token, supporter_id, petition_id in ShareToken.objects.filter(
            token__in=wanted
        ).values_list("token", "supporter_id", "petition_id")
    }
    signatures = []
    for row, request, person, bits in zip(rows, requests, people, found, strict=True):
        petition = petitions[row.petition_id]
        referrer = credited(shares.get(request.referral_token[:32]), petition, person.pk)
        signatures.append(new_signature(petition, person.pk, request, referrer, bits))
        shares[row.share_token] = (person.pk, petition.pk)  # for the people this one brought
    links = [
        ShareToken(token=row.share_token, supporter=person, petition_id=row.petition_id)
        for row, person in zip(rows, people, strict=True)
    ]
    consents = [
        consent
        for signature, request in zip(signatures, requests, strict=True)
        for consent in new_consents(signature, request)
    ]
    inserts = [
        prepare_insert(Signature, signatures),
        prepare_insert(ShareToken, links),
        prepare_insert(Consent, consents),
    ]
    with transaction.atomic():
        deleted = SignatureIntake.objects.filter(pk__in=ids).delete()[0]
        if deleted != len(rows):
            # Some were erased (or taken by another worker) since we read them: roll back
            # and let the single path sort out which.
            raise IntakeChanged
        for insert in inserts:
            insert.execute()
