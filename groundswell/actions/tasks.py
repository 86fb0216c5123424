from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import default_task_backend, task
from django.template.loader import render_to_string
from django.utils import timezone

from groundswell.supporters import links
from groundswell.supporters.models import Consent, Purpose

from . import services
from .models import PetitionUpdate, Signature, SignatureState

RECOUNT_EVERY = timedelta(seconds=2)


def _email(*, to: str, subject: str, body: str, unsubscribe: str) -> EmailMessage:
    # List-Unsubscribe with One-Click (RFC 8058): mail apps show their own unsubscribe button.
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@task()
def send_confirmation(signature_id: int) -> None:
    """Email the double opt-in link. Re-sends are claimed by the sign path, not here."""
    signature = (
        Signature.objects.select_related("petition__organisation", "supporter")
        .filter(pk=signature_id, state=SignatureState.PENDING)
        .first()
    )
    if signature is None or not signature.supporter.email:
        return  # confirmed or erased meanwhile: nothing to send
    supporter = signature.supporter
    unsubscribe = links.unsubscribe_url(supporter.pk)
    context = {
        "signature": signature,
        "petition": signature.petition,
        "organisation": signature.petition.organisation,
        "supporter": supporter,
        "confirm_url": links.confirm_url(signature.pk),
        "impact_url": links.supporter_page_url(supporter.pk),
        "unsubscribe_url": unsubscribe,
    }
    _email(
        to=supporter.email,
        subject=render_to_string("actions/email/confirm_subject.txt", context),
        body=render_to_string("actions/email/confirm.txt", context),
        unsubscribe=unsubscribe,
    ).send()


@task()
def send_update(update_id: int) -> None:
    """Send a petition update to each confirmed signer with a standing 'updates' consent."""
    update = PetitionUpdate.objects.select_related("petition__organisation").get(pk=update_id)
    petition = update.petition
    wanting = Consent.objects.filter(
        purpose=Purpose.UPDATES,
        granted=True,
        confirmed_at__isnull=False,
        withdrawn_at__isnull=True,
    ).values("supporter_id")
    signatures = (
        Signature.objects.filter(
            petition=petition, state=SignatureState.CONFIRMED, supporter_id__in=wanting
        )
        .select_related("supporter")
        .exclude(supporter__email="")
    )
    sent = 0
    for signature in signatures.iterator():
        supporter = signature.supporter
        unsubscribe = links.unsubscribe_url(supporter.pk)
        context = {
            "update": update,
            "petition": petition,
            "organisation": petition.organisation,
            "supporter": supporter,
            "impact_url": links.supporter_page_url(supporter.pk),
            "unsubscribe_url": unsubscribe,
        }
        _email(
            to=supporter.email,
            subject=update.subject,
            body=render_to_string("actions/email/update.txt", context),
            unsubscribe=unsubscribe,
        ).send()
        sent += 1
    PetitionUpdate.objects.filter(pk=update.pk).update(recipients=sent)


@task()
def recount_petitions() -> None:
    """Recount petitions whose signatures changed, then run again in a couple of seconds.

    This is the only writer of PetitionTally: no request ever touches a counter row.
    """
    for petition_id in services.petitions_needing_recount():
        services.recount(petition_id)
    if default_task_backend.supports_defer:
        schedule_recount(delay=RECOUNT_EVERY)


def schedule_recount(*, delay: timedelta = timedelta(0)) -> bool:
    """Keep exactly one recount waiting in the queue; True if this call added it."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=recount_petitions.module_path, status="READY"
    ).exists()
    if waiting:
        return False
    recount_petitions.using(run_after=timezone.now() + delay).enqueue()
    return True
