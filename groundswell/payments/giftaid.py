"""Gift Aid (UK): the donor's declaration, and the claim schedule for HMRC.

The declaration is a consent record (supporters: purpose `gift_aid`) pointing at the exact
words the donor ticked, an immutable `ConsentWording` per appeal. The words carry what
HMRC asks a declaration to say: the charity's name, that the donor is a UK taxpayer, that
the charity may claim on this gift (and on gifts of the last four years and the future),
and that the donor must have paid at least as much Income Tax or Capital Gains Tax as is
claimed in the tax year.

The claim (`schedule_lines`) has the columns of HMRC's Gift Aid schedule spreadsheet for
Charities Online, in its order: Title (4 characters at most), First name (35), Last name
(35; a hyphen becomes a space), House name or number, Postcode (capitals, with its space),
Aggregated donations, Sponsored event (blank), Donation date (DD/MM/YY), Amount (two
decimals, no £). Gifts of £20 or less are added together, as HMRC allows: one line per day
saying "Aggregated donations", with no name or address, never more than £1,000 a line. A
schedule holds 1,000 lines at most. `ods.py` writes the lines as the .ods schedule attached
to the online claim; the CSV has the same lines, to paste. See docs/payments.md for the
sources and what could not be checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
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
# HMRC: gifts of £20 or less may be added together on one line, up to £1,000 a line, with
# a short description (35 characters at most) in the "Aggregated donations" box.
AGGREGATE_UP_TO = 2000  # pence
AGGREGATED_LINE_MAX = 100_000  # pence
AGGREGATED = "Aggregated donations"
# The lines one schedule spreadsheet holds; past that HMRC does not attach them.
MAX_LINES = 1000
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


@dataclass(frozen=True)
class Line:
    """One line of the schedule: a gift, or gifts of one day added together."""

    day: date
    amount: int  # pence, refunds taken off
    title: str = ""
    given_name: str = ""
    family_name: str = ""
    house: str = ""
    postcode: str = ""
    aggregated: str = ""

    def cells(self) -> list[str]:
        """The nine columns as text, in HMRC's order and formats."""
        return [
            self.title, self.given_name, self.family_name, self.house, self.postcode,
            self.aggregated, "", self.day.strftime("%d/%m/%y"), money.plain_two(self.amount, "GBP"),
        ]  # fmt: skip


def schedule_lines(organisation: Organisation, first: date, last: date) -> list[Line]:
    """The schedule's lines for the Gift Aid payments in GBP received from `first` to `last`
    (both included, in the site's time zone), refunds taken off (fully refunded ones left
    out), by day: each gift over £20 on its own line, oldest first, then that day's smaller
    gifts added together."""
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
    lines: list[Line] = []
    small: list[int] = []  # the current day's gifts of £20 or less
    day: date | None = None
    for payment in payments.iterator(chunk_size=1000):
        paid_on = timezone.localtime(payment.paid_at).date()
        if paid_on != day:
            lines += _together(day, small)
            day, small = paid_on, []
        amount = payment.amount - payment.refunded
        if amount <= AGGREGATE_UP_TO:
            small.append(amount)
            continue
        gift = payment.donation
        lines.append(
            Line(
                day=paid_on,
                amount=amount,
                title=gift.title[:4],
                given_name=gift.given_name[:35],
                family_name=gift.family_name.replace("-", " ")[:35],
                house=gift.house,
                postcode=gift.postcode,
            )
        )
    return lines + _together(day, small)


def _together(day: date | None, amounts: list[int]) -> list[Line]:
    """One day's small gifts as few lines as HMRC's £1,000 a line allows."""
    if day is None or not amounts:
        return []
    lines: list[Line] = []
    total = 0
    for amount in amounts:
        if total + amount > AGGREGATED_LINE_MAX:
            lines.append(Line(day=day, amount=total, aggregated=AGGREGATED))
            total = 0
        total += amount
    lines.append(Line(day=day, amount=total, aggregated=AGGREGATED))
    return lines


def schedule_rows(organisation: Organisation, first: date, last: date) -> Iterator[list[str]]:
    """The schedule's lines as the CSV's rows of text."""
    for line in schedule_lines(organisation, first, last):
        yield line.cells()
