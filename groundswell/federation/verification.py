"""Inbound, the deferred check: fetch the signer's key and verify a stored `unverified` activity.

The inbox answers 202 without any network request; when it did not have the signer's key (or
the key it had failed and may have been rotated) it stored the activity `unverified`, with the
signature and the exact string signed. This runs in the worker, before any processing: the
activity becomes `received` (and is processed as any other) only once its signature verifies
with its actor's own key; otherwise it is `discarded`, with the reason kept on the row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from groundswell.lib import leases

from . import remote, signatures
from .models import ReceivedActivity, ReceivedState, RemoteActor

# While a worker fetches the key, the row is its own for this long (the sweep leaves it alone).
LEASE = timedelta(minutes=2)
# A key that could not be fetched because its server was unreachable or failing is tried again
# after these waits, then the activity is discarded (the sender retries its delivery anyway).
# A key refused for good (404, a document that fails our checks) is discarded at once.
KEY_RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=10))
RETRY = leases.Retry(lease=LEASE, waits=KEY_RETRY_AFTER)
MAX_KEY_ATTEMPTS = RETRY.attempts


def verify(received_id: int) -> str:
    """Verify an `unverified` row; returns the state the row is in afterwards.

    Rows in any other state are left alone (their state is returned). Idempotent: two workers
    may both fetch the key, only one moves the row on (conditional UPDATEs).
    """
    moment = leases.now()
    claimed = leases.claim(
        ReceivedActivity.objects.filter(pk=received_id, state=ReceivedState.UNVERIFIED),
        RETRY,
        moment,
    )
    received = ReceivedActivity.objects.filter(pk=received_id).first()
    if received is None:
        return "missing"
    if not claimed:
        return received.state
    if received.attempts > MAX_KEY_ATTEMPTS:
        # A worker died while fetching, again and again.
        return _discard(received, "the signing key could not be fetched")
    signature = received.signature if isinstance(received.signature, dict) else {}
    key_id = str(signature.get("key_id", ""))
    if remote.is_blocked(key_id) or remote.is_blocked(received.actor_uri):
        return _discard(received, "the sender's server is blocked here")
    params = {
        "signature": str(signature.get("signature", "")),
        "_signing_string": str(signature.get("signing_string", "")),
    }
    try:
        sender = _verified_sender(key_id, params, refetch=bool(signature.get("refetch")))
    except remote.RemoteUnavailable as error:
        return _retry_or_discard(received, f"the signing key could not be fetched: {error}")
    except remote.RemoteError as error:
        return _discard(received, f"the signing key could not be fetched: {error}")
    if sender is None:
        return _discard(received, "the signature does not verify")
    if sender.uri != received.actor_uri:
        return _discard(received, "the activity's actor did not sign it")
    try:
        with transaction.atomic():
            moved = ReceivedActivity.objects.filter(
                pk=received.pk, state=ReceivedState.UNVERIFIED
            ).update(state=ReceivedState.RECEIVED, attempts=0, next_attempt_at=None, error="")
    except IntegrityError:
        # A verified copy of the same activity arrived meanwhile: that one counts.
        return _discard(received, "already received")
    return ReceivedState.RECEIVED if moved else _state(received)


# Discarded activities are kept this long (to see what was thrown away and why), then deleted:
# anyone can send them, so they must not pile up.
KEEP_DISCARDED = timedelta(days=7)


def forget_discarded(moment: datetime) -> int:
    """Delete up to 1,000 activities discarded more than KEEP_DISCARDED ago; how many."""
    old = ReceivedActivity.objects.filter(
        state=ReceivedState.DISCARDED, processed_at__lt=moment - KEEP_DISCARDED
    ).values_list("pk", flat=True)[:1000]
    deleted, _ = ReceivedActivity.objects.filter(pk__in=list(old)).delete()
    return deleted


def _verified_sender(key_id: str, params: dict[str, Any], *, refetch: bool) -> RemoteActor | None:
    """The actor whose key verifies `params`, fetching the key if need be; None if none does."""
    cached = remote.cached_actor_for_key(key_id)
    if cached is not None and signatures.verify(params, cached.public_key_pem):
        return cached
    # A key we have that does not verify is fetched again only if the inbox claimed that
    # fetch, or no fetch happened for it this past minute: bad signatures cannot make us
    # fetch on every activity.
    if cached is not None and not (refetch or remote.claim_refetch(cached)):
        return None
    fresh = remote.actor_for_key(key_id, refresh=True)
    return fresh if signatures.verify(params, fresh.public_key_pem) else None


def _discard(received: ReceivedActivity, reason: str) -> str:
    ReceivedActivity.objects.filter(pk=received.pk, state=ReceivedState.UNVERIFIED).update(
        state=ReceivedState.DISCARDED,
        error=reason[:300],
        next_attempt_at=None,
        processed_at=leases.now(),
    )
    return _state(received)


def _retry_or_discard(received: ReceivedActivity, reason: str) -> str:
    retry_at = RETRY.next_attempt(received.attempts, leases.now())
    if retry_at is None:
        return _discard(received, reason)
    ReceivedActivity.objects.filter(pk=received.pk, state=ReceivedState.UNVERIFIED).update(
        error=reason[:300], next_attempt_at=retry_at
    )
    return _state(received)


def _state(received: ReceivedActivity) -> str:
    found = ReceivedActivity.objects.filter(pk=received.pk).values_list("state", flat=True)
    return found.first() or "missing"
