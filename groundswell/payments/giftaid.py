"""Gift Aid (UK): the donor's declaration, and the claim schedule for HMRC.

The declaration is a consent record (supporters: purpose `gift_aid`) pointing at the exact
words the donor ticked, an immutable `ConsentWording` per appeal. The words carry what
HMRC asks a declaration to say: the charity's name, that the donor is a UK taxpayer, that
the charity may claim on this gift (and on gifts of the last four years and the future),
and that the donor must have paid at least as much Income Tax or Capital Gains Tax as is
claimed in the tax year.

The claim (`schedule_rows`) is a CSV with the columns of HMRC's Gift Aid schedule
spreadsheet for Charities Online, in its order: Title (4 characters at most), First name
(35), Last name (35; a hyphen becomes a space), House name or number, Postcode (capitals,
with its space), Aggregated donations (blank: each payment is its own line), Sponsored event
(blank), Donation date (DD/MM/YY), Amount (two decimals, no £). HMRC takes the claim only
as its own .ods schedule attached to the online claim: the rows are pasted into it. See
docs/payments.md for the sources and what could not be checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.supporters.models import ConsentWording

from . import money
from .models import Appeal, Payment

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

COLUMNS = (
    "Title", "First name or initial", "Last name", "House name or number", "Postcode",
    "Aggregated donations", "Sponsored event", "Donation date", "Amount",
)  # fmt: skip
# The one-line UK postcode shape: outward code, a space, inward code (BS7666, loosely).
POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})")


def declaration(organisation_name: str) -> str:
    return _(
        "I am a UK taxpayer and want %(charity)s to claim Gift Aid on this donation and on "
        "any donations I make in the future or have made in the past four years. I "
        "understand that if I pay less Income Tax and/or Capital Gains Tax in a tax year "
        "than the amount of Gift Aid claimed on all my donations in that year, it is my "
        "responsibility to pay any difference."
    ) % {"charity": organisation_name}


def wording_for(appeal: Appeal) -> ConsentWording:
    """The appeal's declaration wording, made once per text (wordings are never edited)."""
    text = declaration(appeal.organisation.name)
    current = appeal.gift_aid_wording
    if current is not None and current.text == text:
        return current
    return ConsentWording.objects.create(organisation=appeal.organisation, text=text)


def normal_postcode(typed: str) -> str | None:
    """ "sw1a1aa" → "SW1A 1AA"; None if it is not the shape of a UK postcode."""
    squeezed = re.sub(r"\s+", "", typed.upper())
    found = POSTCODE.fullmatch(squeezed)
    return f"{found[1]} {found[2]}" if found else None


def schedule_rows(organisation: Organisation, first: date, last: date) -> Iterator[list[str]]:
    """One line per Gift Aid payment in GBP received from `first` to `last` (both included,
    in the site's time zone), refunds left out, oldest first."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    end = timezone.make_aware(datetime.combine(last, time.max), zone)
    payments = (
        Payment.objects.filter(
            donation__organisation=organisation,
            donation__gift_aid=True,
            currency="GBP",
            paid_at__range=(start, end),
            refunded__lt=F("amount"),
        )
        .select_related("donation")
        .order_by("paid_at", "pk")
    )
    for payment in payments.iterator(chunk_size=1000):
        gift = payment.donation
        yield [
            gift.title[:4],
            gift.given_name[:35],
            gift.family_name.replace("-", " ")[:35],
            gift.house,
            gift.postcode,
            "",
            "",
            timezone.localtime(payment.paid_at).strftime("%d/%m/%y"),
            money.plain_two(payment.amount - payment.refunded, "GBP"),
        ]
