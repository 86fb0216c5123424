"""The fraud app's staff verbs: invalidate signatures in bulk, undo it, and ask for alerts.

Each checks the permission, writes in one transaction with its audit entry, and tells the
supporters nothing. Counts follow within a second: once the transaction commits, the
signatures' `updated_at` moves, and `recount_petitions` recounts those petitions
(actions/invalidation.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.actions import invalidation
from groundswell.audit.services import record
from groundswell.lib import leases

from .criteria import Choice, picked
from .models import AlertSubscription, InvalidatedSignature, InvalidationBatch


class CountChanged(ValidationError):
    """The signatures the choice covers are not those previewed: preview again."""

    def __init__(self, now: int) -> None:
        self.now = now
        super().__init__(
            ngettext(
                "The choice covers %(n)s signature now, not the number you saw: check the "
                "new preview and confirm again.",
                "The choice covers %(n)s signatures now, not the number you saw: check the "
                "new preview and confirm again.",
                now,
            )
            % {"n": now}
        )


def invalidate(
    membership: Membership, choice: Choice, *, reason: str, previewed: int
) -> InvalidationBatch:
    """Strike the signatures the choice covers out of every public count, as one batch.

    `previewed` is the count staff saw and confirmed: if the choice covers another number
    now (signatures arrived, or another batch took some), nothing changes (CountChanged).
    """
    require(membership, "fraud.invalidate")
    organisation = membership.organisation
    now = leases.now()
    with transaction.atomic():
        ids = list(picked(organisation, choice).values_list("pk", flat=True))
        if len(ids) != previewed:
            raise CountChanged(len(ids))
        if not ids:
            raise ValidationError(_("No valid signature matches this choice: nothing to do."))
        batch = InvalidationBatch.objects.create(
            organisation=organisation,
            criterion=choice.criterion,
            petition=choice.petition,
            network=choice.network,
            domain=choice.domain,
            since=choice.since,
            until=choice.until,
            root=choice.root,
            reason=reason,
            created_by=membership.user,
        )
        marked = invalidation.invalidate(ids, at=now)
        if len(marked) != len(ids):  # another batch took some meanwhile: roll back
            raise CountChanged(len(marked))
        InvalidatedSignature.objects.bulk_create(
            [InvalidatedSignature(batch=batch, signature_id=pk) for pk in marked]
        )
        batch.signatures = len(marked)
        batch.save(update_fields=["signatures"])
        record(
            organisation=organisation,
            actor=membership.user,
            action="fraud.invalidate",
            target=batch,
            # The reason stays on the batch, for staff with the right to read it.
            summary=f"Invalidated {len(marked)} signatures ({choice.criterion})",
            changes={**choice.describe(), "signatures": len(marked)},
        )
    return batch


def undo(membership: Membership, batch: InvalidationBatch) -> int:
    """Count again exactly the signatures `batch` invalidated; how many. Once only."""
    require(membership, "fraud.invalidate")
    now = leases.now()
    with transaction.atomic():
        claimed = InvalidationBatch.objects.filter(pk=batch.pk, undone_at__isnull=True).update(
            undone_at=now, undone_by=membership.user
        )
        if not claimed:
            raise ValidationError(_("This invalidation was undone already."))
        ids = InvalidatedSignature.objects.filter(batch=batch).values_list(
            "signature_id", flat=True
        )
        restored = invalidation.restore(ids)
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="fraud.undo",
            target=batch,
            summary=f"Undid invalidation {batch.pk}: {restored} signatures count again",
            changes={"signatures": restored},
        )
    batch.refresh_from_db()
    return restored


def choose_alert_email(membership: Membership, *, wanted: bool) -> None:
    """Email this member when a source trends, or stop. The person's own choice."""
    require(membership, "fraud.view")
    if wanted:
        AlertSubscription.objects.get_or_create(membership=membership)
    else:
        AlertSubscription.objects.filter(membership=membership).delete()
