from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition
from groundswell.actions.services import SignatureRequest, confirm_signature, sign_petition
from groundswell.timelog import impact, services
from groundswell.timelog.models import TimeEntry


def _signers(petition: Petition) -> None:
    """Six confirmed signatures: two first-hand, four through the first's WhatsApp link."""
    first = sign_petition(petition, SignatureRequest(email="first@example.net", given_name="F"))
    confirm_signature(first.signature.pk)
    token = first.share_token.token
    for n in range(5):
        referred = n < 4
        signed = sign_petition(
            petition,
            SignatureRequest(
                email=f"s{n}@example.net",
                given_name="S",
                referral_token=token if referred else "",
                referrer_data={"source": "whatsapp", "referrer": token} if referred else {},
            ),
        )
        confirm_signature(signed.signature.pk)
    testing.run_periodic("roll_up_row_kinds")


def test_outcomes_per_hour_per_campaign_channel_activity_and_week_with_their_numbers(
    owner: Membership,
    editor: Membership,
    org: Organisation,
    petition: Petition,
    log: Callable[..., TimeEntry],
) -> None:
    campaign = petition.campaign
    _signers(petition)
    log(owner, 90, campaign=campaign, activity="writing", channel="whatsapp")
    log(editor, 30, campaign=campaign, activity="replying")
    log(editor, 60, activity="listening")  # no campaign, no channel
    first, last = impact.period(services.today(), 4)
    found = impact.impact(org, first, last)
    names = [kind.name for kind in found.kinds]
    assert {"confirm", "referred_sign", "new_supporter"} <= set(names)
    [rivers, general] = found.campaigns
    assert (rivers.label, rivers.minutes, rivers.hours) == ("Clean Rivers Now", 120, Decimal("2.0"))
    assert rivers.counts["confirm"] == 6 and rivers.counts["referred_sign"] == 4
    assert rivers.rate("confirm") == Decimal("3.00")
    assert rivers.too_few_hours  # two hours: the caveat
    assert (general.label, general.minutes, general.rate("confirm")) == (
        "No particular campaign", 60, Decimal("0.00"),
    )  # fmt: skip
    whatsapp = next(row for row in found.channels if row.label == "WhatsApp")
    assert (whatsapp.minutes, whatsapp.counts["confirm"]) == (90, 4)
    assert whatsapp.rate("confirm") == Decimal("2.67")
    untied = found.channels[-1]
    assert (untied.label, untied.minutes) == ("Time not tied to one channel", 90)
    # Writing took 3/4 of the campaign's hours: 3/4 of its outcomes, so the same rate.
    writing = next(row for row in found.activities if row.label == "Writing")
    assert (writing.minutes, writing.counts["confirm"], writing.rate("confirm")) == (
        90, 4.5, Decimal("3.00"),
    )  # fmt: skip
    listening = next(row for row in found.activities if row.label == "Listening")
    assert listening.counts.get("confirm", 0) == 0
    this_week = found.weeks[-1]
    assert (this_week.minutes, this_week.counts["confirm"]) == (180, 6)
    assert [row.minutes for row in found.weeks[:-1]] == [0, 0, 0]
    log(owner, 200, campaign=campaign, activity="writing")
    again = impact.impact(org, first, last)
    assert not again.campaigns[0].too_few_hours  # 5 h 20 min


def test_the_impact_page_shows_the_numbers_the_caveat_and_no_person(
    client: Client, alice: User, org: Organisation, owner: Membership, petition: Petition,
    log: Callable[..., TimeEntry],
) -> None:  # fmt: skip
    _signers(petition)
    log(owner, 45, campaign=petition.campaign, activity="replying")
    dana = testing.make_user("dana@example.org", "Dana Analyst")
    testing.add_member(org, dana, "analyst")
    client.force_login(dana)
    url = reverse("timelog:impact", args=["alices"])
    html = client.get(url).content.decode()
    assert "Impact per staff hour" in html and "Too few hours to mean much" in html
    assert "<td>0.8</td>" in html  # 45 minutes, in hours
    assert "<td>8.00</td>" in html  # six confirmed signatures over 0.75 h
    assert "Alice Owner" not in html.split("<main")[1].split("</main>")[0]
    assert client.get(url, {"weeks": "26"}).status_code == 200
    assert client.get(url, {"weeks": "5"}).status_code == 400
