from __future__ import annotations

from typing import Any

from django import template

from groundswell.ledger.models import LedgerEntry

register = template.Library()

SHOWN = 20


@register.inclusion_tag("ledger/public_record.html")
def public_record(campaign: Any) -> dict[str, Any]:
    """A public campaign's ledger entries marked public, newest first (one query)."""
    return {"entries": list(LedgerEntry.objects.public().filter(campaign=campaign)[:SHOWN])}
