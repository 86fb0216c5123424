"""A few fictional ledger entries for the demo: asks, a hand-in and a reply, most public."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition

from .services import add_entry

ENTRIES = [
    # (days ago, kind, public, title, details, evidence); None: the 12th of last month, so
    # last month's report has the ask whatever day the demo starts.
    (None, "ask", True, "We asked the council to fund draught-proofing on Eastbank",
     "Our petition went live with a clear ask: every home on the estate draught-proofed "
     "before the end of March.", []),
    (9, "delivery", True, "We handed 260 signatures to the council",
     "Neighbours walked the signatures to the town hall together on a grey Thursday "
     "morning (a fictional demo event).", ["https://example.org/demo/eastbank-hand-in"]),
    (3, "response", True, "The council will take a report to its March cabinet",
     "The housing team wrote back: officers will cost the work and report in March. "
     "We will keep asking until the money is in the budget.",
     ["https://example.org/demo/council-reply"]),
    (2, "ask", False, "Ask the housing team for the report's draft before cabinet",
     "A note for ourselves: request the draft two weeks ahead.", []),
]  # fmt: skip


def seed_ledger(owner: Membership) -> None:
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=12)
    petition = Petition.objects.get(organisation=owner.organisation, campaign__slug="warm-homes")
    for days, kind, public, title, details, evidence in ENTRIES:
        add_entry(
            owner,
            {
                "campaign": petition.campaign,
                "petition": petition,
                "kind": kind,
                "happened_on": last_month if days is None else today - timedelta(days=days),
                "title": title,
                "details": details,
                "evidence": evidence,
                "public": public,
            },
            move_petition=kind == "delivery",
        )
