"""What the analytics tests share: a browser's headers, and the roll-ups brought up to date."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from groundswell.actions.models import Petition
from groundswell.analytics import rollup
from groundswell.analytics.models import DailyCount
from groundswell.lib import analytics

BROWSER: dict[str, Any] = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


def settle() -> None:
    """What the web processes and the worker do within a few minutes: write out the counts
    kept in memory, add them up, and count today's and yesterday's rows."""
    analytics.flush()
    while rollup.roll_up_pending():
        pass
    rollup.roll_up_rows(*rollup.window(rollup.today()))


def total(kind: str, *, scope: str = "organisation", scope_id: int = 0, dimension: str = "",
          value: str = "", day: date | None = None) -> int:  # fmt: skip
    rows = DailyCount.objects.filter(
        kind=kind, scope=scope, scope_id=scope_id, dimension=dimension, value=value
    )
    if day is not None:
        rows = rows.filter(day=day)
    return rows.aggregate(n=Sum("count"))["n"] or 0


def sign_through_the_form(
    client: Client, petition: Petition, email: str, *, landing: str = "", **fields: str
) -> str:
    """The real form: one POST (its Referer is the page the form was on); returns the
    thank-you address."""
    response = client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]),
        {"given_name": "Asha", "email": email, "consent": "on", **fields},
        HTTP_REFERER=landing,
        **BROWSER,
    )
    assert response.status_code == 302, response.content[:300]
    return str(response["Location"])
