from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.db.models import F, QuerySet
from django.tasks import Task, default_task_backend, task
from django.template.loader import render_to_string

from groundswell.lib import worklog
from groundswell.lib.periodic import in_turns, keep_one_waiting, repeat
from groundswell.notifications.backends import from_organisation
from groundswell.referrals.sharing import personal_link
from groundswell.supporters import links
from groundswell.supporters.models import Consent, Purpose

from . import intake, services
from .models import PetitionUpdate, Signature, SignatureState

RECOUNT_EVERY = timedelta(seconds=1)
INTAKE_EVERY = timedelta(milliseconds=500)
CONFIRMATIONS_EVERY = timedelta(milliseconds=500)
CONFIRMATION_BATCH = 200


def _email(
    *, to: str, subject: str, body: str, unsubscribe: str, organisation_id: int
) -> EmailMessage:
    # List-Unsubscribe with One-Click (RFC 8058): mail apps show their own unsubscribe button.
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    return from_organisation(message, organisation_id)


@task()
def send_confirmations() -> None:
    """Send every confirmation email owed, in batches over one SMTP connection.

    A signature owes an email while `confirmation_sends > confirmations_delivered`: the row is
    the queue. Each message is handed to the mail server first and counted after, so a worker
    killed in between sends it again (at least once); its Message-ID is fixed per send, so
    the receiving server can recognise the copy.
    """
    in_turns(
        send_confirmations,
        _send_confirmations_and_notices,
        full=CONFIRMATION_BATCH,
        every=CONFIRMATIONS_EVERY,
    )


def _send_confirmations_and_notices() -> int:
    # A full batch of either kind means there may be more of it: go round again.
    return max(_send_confirmation_batch(), _send_repeat_notice_batch())


def _send_confirmation_batch() -> int:
    return _send_batch(
        Signature.objects.filter(
            state=SignatureState.PENDING, confirmations_delivered__lt=F("confirmation_sends")
        ),
        wanted="confirmation_sends",
        delivered="confirmations_delivered",
        build=_confirmation,
        what="confirmation emails",
    )


def _send_batch(
    owed: QuerySet[Signature],
    *,
    wanted: str,
    delivered: str,
    build: Callable[[Signature, int, str | None], EmailMessage],
    what: str,
) -> int:
    """Send one batch of the emails `owed` over one SMTP connection, at least once: a row's
    `delivered` count catches up with its `wanted` count only after its email went."""
    rows = list(
        owed.select_related("petition__organisation", "supporter").order_by("id")[
            :CONFIRMATION_BATCH
        ]
    )
    if not rows:
        return 0
    host = urlsplit(settings.SITE_URL).hostname
    sent = 0
    with mail.mailers.default as connection:
        for signature in rows:
            number = getattr(signature, wanted)
            if signature.supporter.email:  # nobody to write to once erased
                sent += connection.send_messages([build(signature, number, host)])
            # Conditional: a repeat signature that asked for one more send meanwhile keeps
            # its claim on it.
            Signature.objects.filter(
                pk=signature.pk, **{delivered: getattr(signature, delivered)}
            ).update(**{delivered: number})
    worklog.did("sent", sent, what)
    return len(rows)


def _confirmation(signature: Signature, number: int, host: str | None) -> EmailMessage:
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
    message = _email(
        to=supporter.email,
        subject=render_to_string("actions/email/confirm_subject.txt", context),
        body=render_to_string("actions/email/confirm.txt", context),
        unsubscribe=unsubscribe,
        organisation_id=signature.petition.organisation_id,
    )
    message.extra_headers["Message-ID"] = f"<confirm.{signature.pk}.{number}@{host}>"
    return message


def _send_repeat_notice_batch() -> int:
    """'You have already signed' emails owed, sent like the confirmations."""
    return _send_batch(
        Signature.objects.filter(repeat_notices_delivered__lt=F("repeat_notices")),
        wanted="repeat_notices",
        delivered="repeat_notices_delivered",
        build=_repeat_notice,
        what="already-signed notices",
    )


def _repeat_notice(signature: Signature, number: int, host: str | None) -> EmailMessage:
    supporter = signature.supporter
    petition = signature.petition
    unsubscribe = links.unsubscribe_url(supporter.pk)
    share = services.first_share_token(supporter, petition)
    pending = signature.state == SignatureState.PENDING
    context = {
        "petition": petition,
        "organisation": petition.organisation,
        "supporter": supporter,
        "share_url": personal_link(petition, share.token, "copy"),
        "confirm_url": links.confirm_url(signature.pk) if pending else "",
        "impact_url": links.supporter_page_url(supporter.pk),
        "unsubscribe_url": unsubscribe,
    }
    message = _email(
        to=supporter.email,
        subject=render_to_string("actions/email/already_signed_subject.txt", context),
        body=render_to_string("actions/email/already_signed.txt", context),
        unsubscribe=unsubscribe,
        organisation_id=petition.organisation_id,
    )
    message.extra_headers["Message-ID"] = f"<already-signed.{signature.pk}.{number}@{host}>"
    return message


def run_soon(periodic: Task) -> None:
    """Under the immediate backend (tests) nothing polls: run the periodic task right now."""
    if not default_task_backend.supports_defer:
        periodic.enqueue()


@task()
def send_update(update_id: int) -> None:
    """Send a petition update to each confirmed signer with a standing 'updates' consent."""
    update = PetitionUpdate.objects.select_related("petition__organisation").get(pk=update_id)
    petition = update.petition
    if not petition.organisation.is_public:
        return  # an organisation waiting for approval emails nobody
    wanting = Consent.objects.standing(Purpose.UPDATES).values("supporter_id")
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
            organisation_id=petition.organisation_id,
        ).send()
        sent += 1
    PetitionUpdate.objects.filter(pk=update.pk).update(recipients=sent)


@task()
def recount_petitions() -> None:
    """Recount petitions whose signatures changed, then run again in a second.

    This is the only writer of PetitionTally: no request ever touches a counter row.
    """
    try:
        for petition_id in services.petitions_needing_recount():
            services.recount(petition_id)
            worklog.did("recounted", 1, "petitions")
    finally:
        repeat(recount_petitions, every=RECOUNT_EVERY)


RECONCILE_EVERY = timedelta(minutes=1)
RECONCILE_AFTER = timedelta(minutes=2)
RECONCILE_BATCH = 100


@task()
def reconcile_tallies() -> None:
    """Recount, from the rows, the tallies not recomputed for a while, oldest first.

    The change-driven recount compares timestamps, and a transaction that commits after a
    recount with an older timestamp escapes it; this catches such drift within minutes.
    """
    try:
        for petition_id in services.tallies_to_reconcile(RECONCILE_AFTER, RECONCILE_BATCH):
            services.recount(petition_id)
    finally:
        repeat(reconcile_tallies, every=RECONCILE_EVERY)


@task()
def process_intake() -> None:
    """Record the signatures the web form took in, then look again shortly."""
    in_turns(process_intake, intake.process, full=intake.BATCH, every=INTAKE_EVERY)


def schedule_periodic() -> None:
    """Called when the worker starts: a worker killed mid-run leaves no successor queued."""
    keep_one_waiting(recount_petitions)
    keep_one_waiting(reconcile_tallies)
    keep_one_waiting(process_intake)
    keep_one_waiting(send_confirmations)
