"""The receipt a donor gets for each payment, through the worker's email path."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from groundswell.notifications.services import queue_email

from .models import Donation, Payment
from .money import display


def queue_receipt(donation: Donation, payment: Payment) -> None:
    """Queue the receipt in the caller's transaction (the payment's): sent once per payment."""
    if not donation.email or donation.anonymised_at:
        return
    organisation = donation.organisation
    with translation.override(donation.language or settings.LANGUAGE_CODE):
        subject = _("Your donation to %(organisation)s: thank you") % {
            "organisation": organisation.name
        }
        lines = [
            _("Dear %(name)s,") % {"name": donation.given_name or _("supporter")},
            "",
            _("Thank you for your donation to %(organisation)s for “%(campaign)s”.")
            % {"organisation": organisation.name, "campaign": donation.appeal.campaign.title},
            "",
            _("Amount: %(amount)s") % {"amount": display(payment.amount, payment.currency)},
            _("Date: %(date)s") % {"date": payment.paid_at.date().isoformat()},
            _("Reference: %(reference)s") % {"reference": payment.reference},
        ]
        if donation.frequency == "monthly":
            lines.append(_("This is one payment of your monthly gift."))
        if donation.gift_aid:
            lines.append(_("You declared Gift Aid: we will claim 25p on every £1 from HMRC."))
        page = reverse("payments:thanks", args=[organisation.slug, donation.token])
        lines += [
            "",
            _("Your donation and your personal share link: %(url)s")
            % {"url": f"{settings.SITE_URL}{page}"},
            "",
            _("Card details never reach us: the payment was taken by %(provider)s.")
            % {"provider": donation.get_provider_display()},
        ]
    queue_email(
        to=donation.email,
        subject=subject,
        body="\n".join(lines),
        organisation_id=organisation.pk,
    )
    Payment.objects.filter(pk=payment.pk).update(receipt_sent=True)
