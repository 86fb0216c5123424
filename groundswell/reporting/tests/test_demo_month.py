"""The demo's figures fill last month's report and the transparency page."""

from __future__ import annotations

from datetime import timedelta

from groundswell.accounts.models import Organisation
from groundswell.reporting import figures


def test_the_demo_shows_last_month_in_figures(db: None) -> None:
    from groundswell.hub.demo import seed

    seed()
    org = Organisation.objects.get(slug="riverside-pantry")
    today = org.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    report = figures.monthly(org, last_month)
    assert report.totals["hours"] > 20 and report.totals["outcomes"] > 10
    assert report.totals["actions"] > 50
    assert report.table("ledger").rows  # the ask, at least
    assert org.transparency_page
    months = figures.public_months(org, today)
    assert months[-2].minutes > 0 and months[-2].outcomes > 0
