"""The lean sign path: one INSERT per signature in the request, the rest in batches.

Under a spike the request must not wait for anything but its own durable row. The web form
validates without touching the database (the petition comes from a short per-process
cache), inserts one `SignatureIntake` row guarded by the (petition, email) unique
constraint, and answers with the thank-you page for the share token stored in that row.
`process` (run by the `process_intake` task) then records each row through the ordinary
`sign_petition` path, in arrival order so that a referrer is always recorded before the
people their link brought, and deletes it in the same transaction.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict

from django.db import connection, transaction
from django.utils import timezone

from groundswell.lib.emails import normalise_email
from groundswell.referrals.models import new_token

from .models import Petition, SignatureIntake
from .services import SignatureRequest, sign_petition

logger = logging.getLogger(__name__)
CACHE_SECONDS = 5.0
_petitions: dict[tuple[str, int], tuple[float, Petition]] = {}


def petition_for_signing(org_slug: str, petition_id: int) -> Petition | None:
    """The public petition, from a per-process cache a few seconds old at most."""
    key = (org_slug, petition_id)
    now = time.monotonic()
    cached = _petitions.get(key)
    if cached and cached[0] > now:
        return cached[1]
    petition = Petition.objects.public().filter(organisation__slug=org_slug, pk=petition_id).first()
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
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (petition_id, email_key, payload, share_token, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (petition_id, email_key) DO NOTHING "
            "RETURNING share_token",
            [petition.pk, email_key, json.dumps(asdict(request)), token, timezone.now()],
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


BATCH = 500
CHUNK = 50


def process(limit: int = BATCH) -> int:
    """Record up to `limit` waiting signatures, oldest first; return how many were done.

    On PostgreSQL rows are recorded CHUNK to a transaction (one commit, so one fsync, per
    chunk), each in its own savepoint so that one bad row cannot undo the others. SQLite has
    one writer at a time, and a long transaction here would hold the sign form's INSERTs
    behind it, so there each row is its own short transaction.
    """
    chunk = 1 if connection.vendor == "sqlite" else CHUNK
    done = 0
    ids = list(SignatureIntake.objects.order_by("id").values_list("id", flat=True)[:limit])
    petitions: dict[int, Petition] = {}
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            rows = (
                SignatureIntake.objects.select_for_update(skip_locked=True)
                .filter(pk__in=ids[start : start + chunk])
                .order_by("id")
            )
            for row in rows:  # rows another worker holds are skipped, and they do them
                try:
                    with transaction.atomic():
                        _record(row, petitions)
                    done += 1
                except Exception:
                    # Leave the row for the next run; one bad row must not stop the rest.
                    logger.exception("could not record signature intake %s", row.pk)
    return done


def _record(row: SignatureIntake, petitions: dict[int, Petition]) -> None:
    petition = petitions.get(row.petition_id)
    if petition is None:
        petition = Petition.objects.select_related(
            "organisation", "consent_wording", "updates_wording"
        ).get(pk=row.petition_id)
        petitions[row.petition_id] = petition
    request = SignatureRequest(**row.payload)
    # The petition was open when the person signed; it may have closed since.
    sign_petition(petition, request, share_token=row.share_token, check_open=False)
    row.delete()
