"""The verbs of a reply after it was written (services.py writes and approves it; the
file is past its size): trying again one that could not be sent.

A reply fails for good when federation could not find the post's author, or when its
Note's delivery to the author's inbox gave up (refused by the server, or still failing
when the retries ran out: federation/signal_replies.settle). Trying again puts it back
in the queue: federation's sweep finds the author afresh and sends a new Note.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, require_public
from groundswell.audit.services import record
from groundswell.safety import services as safety

from .models import ReplyState, SignalReply


def retry_reply(membership: Membership, answer: SignalReply) -> None:
    """Queue a failed reply again; refused (ValidationError) for any other state."""
    require(membership, "fediverse.reply")
    require_public(membership.organisation)
    with transaction.atomic():
        # Conditional: two colleagues pressing Try again queue it once.
        done = SignalReply.objects.filter(pk=answer.pk, state=ReplyState.FAILED).update(
            state=ReplyState.QUEUED, error="", note_uri="", sent_at=None
        )
        if not done:
            raise ValidationError(
                _(
                    "Only a reply that could not be sent can be tried again: this one has "
                    "not failed."
                )
            )
        # The words are checked again at the moment they are let out, as on approval.
        safety.gate(membership, "reply", answer, answer.text, field="text")
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="listening.reply_retried",
            target=answer.signal,
            summary=_("Tried again to send the reply to signal #%(id)s (it had failed: %(error)s)")
            % {"id": answer.signal_id, "error": answer.error or _("no reason recorded")},
        )
