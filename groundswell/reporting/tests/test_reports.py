"""The monthly report (page, PDF, CSV, command) and the public transparency page."""

from __future__ import annotations

import csv
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition
from groundswell.analytics.models import DailyCount
from groundswell.ledger.models import LedgerEntry
from groundswell.reporting import figures, pdf
from groundswell.timelog import services as timelog

MONTH = date(2026, 11, 1)


def _figures(owner: Membership, petition: Petition) -> None:
    """November 2026: counts in the roll-ups, hours in the log, one ledger entry."""
    org = owner.organisation
    for day, kind, count in ((3, "page_view", 120), (3, "sign", 30), (4, "confirm", 24),
                             (9, "share_click", 7), (9, "referred_sign", 5)):  # fmt: skip
        for scope, scope_id in (("organisation", 0), ("campaign", petition.campaign_id)):
            for dimension, value in (("", ""), ("channel", "whatsapp")):
                DailyCount.objects.create(
                    organisation=org, scope=scope, scope_id=scope_id, dimension=dimension,
                    value=value, kind=kind, day=MONTH.replace(day=day), count=count,
                )  # fmt: skip
    # Entries are refused before a year ago; November 2026 is within it while these run.
    for day, minutes, activity in ((3, 90, "writing"), (4, 150, "replying"), (9, 120, "writing")):
        timelog.add_entry(owner, {"date": MONTH.replace(day=day), "minutes": minutes,
                                  "activity": activity, "campaign": petition.campaign,
                                  "channel": "whatsapp"})  # fmt: skip
    LedgerEntry.objects.create(organisation=org, campaign=petition.campaign, petition=petition,
                               kind="delivery", happened_on=MONTH.replace(day=20),
                               title="=We handed 1,240 signatures to the council")  # fmt: skip


@pytest.fixture
def november(owner: Membership, petition: Petition, clock: testing.FakeClock) -> Petition:
    from datetime import UTC, datetime

    clock.moment = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    _figures(owner, petition)
    return petition


def test_the_month_in_figures_actions_outcomes_hours_and_the_ledger(
    owner: Membership, november: Petition
) -> None:
    report = figures.monthly(owner.organisation, MONTH)
    assert (report.first, report.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert report.totals == {"hours": figures.hours(360), "outcomes": 29, "actions": 37}
    actions = {row[0]: row[1] for row in report.table("actions").rows}
    assert actions["Page views"] == 120 and actions["Signatures"] == 30
    outcomes = {row[0]: row[1:] for row in report.table("outcomes").rows}
    assert outcomes["Confirmed signatures"] == [24, "4.00"]  # 24 in 6 hours
    campaigns = report.table("hours_campaigns").rows
    assert campaigns[0][:2] == ["Clean Rivers Now", figures.hours(360)]
    assert "24 (4.00/h)" in campaigns[0]
    channels = {row[0]: row for row in report.table("channels").rows}
    assert channels["WhatsApp"][1:4] == [120, 30, 24]
    days = report.table("days").rows
    assert len(days) == 30 and days[3] == ["2026-11-04", 0, 0, 24, figures.hours(150), 150]
    assert [bar.value for bar in report.charts[0].bars][3] == 24
    assert [bar.value for bar in report.charts[1].bars][3] == 150
    ledger = report.table("ledger").rows
    assert ledger == [["2026-11-20", "Clean Rivers Now", "Delivery",
                       "=We handed 1,240 signatures to the council", "Open"]]  # fmt: skip


def test_the_command_writes_the_pdf_and_one_guarded_csv_per_table(
    owner: Membership, november: Petition, tmp_path: Path
) -> None:
    target = tmp_path / "november.pdf"
    call_command("impact_report", "alices", "--month", "2026-11", "--pdf", str(target),
                 "--csv", str(tmp_path / "csv"))  # fmt: skip
    body = target.read_bytes()
    assert body.startswith(b"%PDF-")
    # Debian's poppler-utils (scripts/setup.sh --browser) reads the text back out.
    text = subprocess.run(  # noqa: S603 - a fixed program on our own file
        ["/usr/bin/pdftotext", "-layout", str(target), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    for words in (
        "what the time bought, November 2026",
        "Confirmed signatures",
        "Clean Rivers Now",
        "We handed 1,240 signatures",
        "WhatsApp",
    ):
        assert words in text, words
    # The campaign's row: 6.0 hours, 24 confirmed signatures; a cell's rate may wrap under
    # its count, as every app's outcome kind has a column of its own.
    row = re.search(r"Clean Rivers Now\s+6\.0\s+24\s", text)
    assert row is not None, text
    assert "(4.00/h)" in text[row.end() : row.end() + 400]
    written = sorted(path.name for path in (tmp_path / "csv").iterdir())
    tables = figures.monthly(owner.organisation, MONTH).tables
    assert written == sorted(f"2026-11-{table.name}.csv" for table in tables)
    with (tmp_path / "csv" / "2026-11-ledger.csv").open(encoding="utf-8") as opened:
        rows = list(csv.reader(opened))
    assert rows[1][3] == "'=We handed 1,240 signatures to the council"  # never a formula


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["alices", "--month", "2026-13", "--pdf", "x.pdf"], "--month must be a month as YYYY-MM"),
        (["alices", "--month", "November", "--pdf", "x.pdf"], "--month must be a month"),
        (["nobody", "--month", "2026-11", "--pdf", "x.pdf"], "No organisation has the address"),
        (["alices", "--month", "2026-11"], "Say where to write the report"),
        (["alices", "--month", "2026-11", "--pdf", "/no/such/folder/x.pdf"], "does not exist"),
    ],
)
def test_the_command_says_what_is_wrong(
    owner: Membership, arguments: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("impact_report", *arguments)


def test_owners_and_analysts_download_the_pdf_editors_do_not(
    client: Client, alice: User, owner: Membership, editor: Membership, november: Petition
) -> None:
    dana = testing.make_user("dana@example.org", "Dana Analyst")
    testing.add_member(owner.organisation, dana, "analyst")
    url = reverse("reporting:monthly_pdf", args=["alices"]) + "?month=2026-11"
    for user in (alice, dana):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert 'filename="alices-2026-11.pdf"' in response["Content-Disposition"]
        dashboard = client.get(reverse("hub:dashboard", args=["alices"])).content.decode()
        assert "report (PDF)" in dashboard and "/monthly-report.pdf" in dashboard
    page = client.get(reverse("reporting:monthly", args=["alices"]), {"month": "2026-11"})
    html = page.content.decode()
    assert "Hours and outcomes per campaign" in html and "24 (4.00/h)" in html
    assert "Alice Owner" not in html  # nobody's own time, and no supporter
    client.force_login(editor.user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "1999-01", "2030-01", "x", "2026-1"])
def test_a_month_not_offered_is_refused_clearly(
    client: Client, alice: User, owner: Membership, month: str
) -> None:
    client.force_login(alice)
    response = client.get(reverse("reporting:monthly_pdf", args=["alices"]), {"month": month})
    assert response.status_code == 400
    assert "Choose one of the months listed" in response.content.decode()


def test_an_analyst_sees_the_team_in_totals_but_never_a_colleagues_log(
    client: Client, owner: Membership, editor: Membership
) -> None:
    dana = testing.make_user("dana@example.org", "Dana Analyst")
    testing.add_member(owner.organisation, dana, "analyst")
    client.force_login(dana)
    week = reverse("timelog:week", args=["alices"])
    assert client.get(week, {"member": str(editor.pk)}).status_code in (403, 404)
    assert client.get(reverse("timelog:team", args=["alices"])).status_code == 403
    assert client.get(reverse("reporting:monthly", args=["alices"])).status_code == 200


def test_the_transparency_page_is_off_until_an_owner_opens_it(
    client: Client, alice: User, owner: Membership, november: Petition
) -> None:
    url = reverse("reporting:transparency", args=["alices"])
    assert client.get(url).status_code == 404
    settings = reverse("accounts:settings", args=["alices"])
    client.force_login(alice)
    client.post(settings, {"name": "Alice's Campaigners", "story_format": "note",
                           "transparency_page": "on"})  # fmt: skip
    owner.organisation.refresh_from_db()
    assert owner.organisation.transparency_page
    client.logout()
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="row">Nov 2026</th><td>37</td><td>29</td><td>6.0</td>' in html
    assert "Alice Owner" not in html and "<script" not in html
    assert (
        "our transparency page"
        in client.get(reverse("hub:organisation", args=["alices"])).content.decode()
    )


def test_an_organisation_waiting_for_approval_has_no_transparency_page(
    client: Client, alice: User, owner: Membership
) -> None:
    Organisation.objects.filter(pk=owner.organisation_id).update(
        transparency_page=True, state="waiting"
    )
    assert client.get(reverse("reporting:transparency", args=["alices"])).status_code == 404


def test_the_pdf_of_an_empty_month_still_reads(owner: Membership) -> None:
    body = pdf.render(figures.monthly(owner.organisation, MONTH - timedelta(days=300)))
    assert body.startswith(b"%PDF-") and len(body) > 1000
