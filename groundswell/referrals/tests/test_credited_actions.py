"""RSVPs and volunteer sign-ups credit whoever's link brought them, beside the signatures.

The cast: Xan signs and brings Yan's signature (signature credit, as before). Ana answers
the event and signs up for a shift; through her links Ben gets a place at the event, Cleo
lands on its waiting list (not counted until she has a place) and Dev gets a place on the
shift. The event belongs to the petition's campaign; the need to no campaign.
"""

from __future__ import annotations

import io
import json
import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition
from groundswell.events.models import Attendance, AttendanceState
from groundswell.events.services import cancel_attendance
from groundswell.events.tests.conftest import make_event
from groundswell.referrals.models import EvangelistRanking
from groundswell.referrals.services import FIGURES, reach_of
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.links import supporter_page_url
from groundswell.supporters.models import Supporter
from groundswell.volunteers.models import Signup, SignupState
from groundswell.volunteers.services import cancel_signup
from groundswell.volunteers.tests.conftest import make_need, make_shift, sign_up

from .test_referrals import sign

pytestmark = pytest.mark.django_db


def rsvp(client: Client, event: Any, email: str, ref: str = "") -> None:
    url = reverse("events:rsvp", args=[event.organisation.slug, event.pk])
    extra = {"ref": ref, "ch": "whatsapp"} if ref else {}
    client.post(url, {"given_name": email.split("@")[0].title(), "email": email, **extra})
    testing.run_periodic("decide_rsvps")


@pytest.fixture
def cast(client: Client, owner: Membership, petition: Petition) -> dict[str, Any]:
    xan = sign(petition, "xan@example.net")
    sign(petition, "yan@example.net", ref=xan.share_token.token)
    event = make_event(owner, campaign=petition.campaign, capacity=2)
    rsvp(client, event, "ana@example.net")
    ana = Attendance.objects.get(email="ana@example.net")
    rsvp(client, event, "ben@example.net", ref=ana.share_token)
    rsvp(client, event, "cleo@example.net", ref=ana.share_token)
    need = make_need(owner)
    shift = make_shift(owner, need, slots=3)
    sign_up(client, need, shift, given_name="Ana", email="ana@example.net")
    testing.run_periodic("decide_signups")
    ana_signup = Signup.objects.get(email="ana@example.net")
    sign_up(
        client, need, shift, given_name="Dev", email="dev@example.net",
        ref=ana_signup.share_token, ch="email",
    )  # fmt: skip
    testing.run_periodic("decide_signups", "rank_evangelists")
    assert Attendance.objects.get(email="ben@example.net").state == AttendanceState.GOING
    assert Attendance.objects.get(email="cleo@example.net").state == AttendanceState.WAITLISTED
    assert Signup.objects.get(email="dev@example.net").state == SignupState.CONFIRMED
    return {
        "xan": xan.signature.supporter,
        "ana": Supporter.objects.get(email="ana@example.net"),
        "event": event,
        "need": need,
        "petition": petition,
    }


def figures(entries: list[dict[str, Any]]) -> list[tuple[int, int, int, int, int]]:
    keys = ("supporter", "downstream", "direct", "rsvps", "volunteers")
    return [tuple(entry[key] for key in keys) for entry in entries]


def stored(org: Any, campaign: Any = None) -> list[tuple[int, int, int, int, int]]:
    return figures(EvangelistRanking.objects.get(organisation=org, campaign=campaign).entries)


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_referred_rsvp_and_volunteer_credit_the_referrer_after_the_signature_ranking(
    cast: dict[str, Any], owner: Membership
) -> None:
    xan, ana = cast["xan"].pk, cast["ana"].pk
    org = owner.organisation
    # Xan keeps his place and his figures; Ana, credited only with actions, follows him.
    assert stored(org) == [(xan, 1, 1, 0, 0), (ana, 0, 0, 1, 1)]
    # The need has no campaign: the campaign's ranking counts the RSVP only.
    assert stored(org, cast["petition"].campaign) == [(xan, 1, 1, 0, 0), (ana, 0, 0, 1, 0)]
    out = io.StringIO()
    call_command("evangelists", org.slug, "--top", "5", "--json", stdout=out)
    assert json.loads(out.getvalue()) == [
        {"supporter": xan, "downstream": 1, "direct": 1, "rsvps": 0, "volunteers": 0},
        {"supporter": ana, "downstream": 0, "direct": 0, "rsvps": 1, "volunteers": 1},
    ]
    # --top cuts the actions-only supporters first: the signature ranking comes whole.
    out = io.StringIO()
    call_command("evangelists", org.slug, "--top", "1", "--json", stdout=out)
    assert [entry["supporter"] for entry in json.loads(out.getvalue())] == [xan]
    reach = reach_of(cast["ana"])
    assert (reach.downstream, reach.direct, reach.rsvps, reach.volunteers) == (0, 0, 1, 1)


def test_the_staff_page_and_the_reach_page_show_the_new_figures(
    cast: dict[str, Any], client: Client, alice: User
) -> None:
    client.force_login(alice)
    page = client.get(reverse("referrals:evangelists", args=["alices"])).content.decode()
    head = re.search(r"<thead>(.*?)</thead>", page, re.S)
    assert head
    columns = re.findall(r"<th>(.*?)</th>", head.group(1))
    r, v = columns.index(str(FIGURES.rsvps.label)), columns.index(str(FIGURES.volunteers.label))
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S):
        cells = [text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        rows[cells[1]] = (int(cells[r]), int(cells[v]))
    assert rows == {"Xan": (0, 0), "Ana": (1, 1)}
    assert str(FIGURES.rsvps.means) in text(page)
    # Her staff page and her subject-access export carry the same figures.
    detail = reverse("supporters:staff_detail", args=["alices", cast["ana"].pk])
    shown = text(client.get(detail).content.decode())
    assert f"1 {FIGURES.rsvps.label} 1 {FIGURES.volunteers.label}" in shown
    assert str(FIGURES.volunteers.means) in shown
    export = client.get(reverse("supporters:staff_export_json", args=["alices", cast["ana"].pk]))
    generated = json.loads(export.content)
    assert (
        generated["sharing_generated"]["rsvps_brought"],
        generated["sharing_generated"]["volunteers_brought"],
    ) == (1, 1)
    client.logout()
    own = client.get(urlsplit(supporter_page_url(cast["ana"].pk)).path)
    shown = text(own.content.decode())
    assert f"1 {FIGURES.rsvps.label} 1 {FIGURES.volunteers.label}" in shown
    assert str(FIGURES.rsvps.means_you) in shown
    assert "Your sharing brought 1 person to an event." in shown
    assert "Your sharing brought 1 volunteer." in shown
    assert "Your sharing generated" not in shown  # no signature credit: no such line
    # The public leaderboard (Ana chose to appear): the campaign's event brought one.
    Supporter.objects.filter(pk=cast["ana"].pk).update(public_leaderboard=True)
    campaign = cast["petition"].campaign
    board = client.get(reverse("referrals:leaderboard", args=["alices", campaign.slug]))
    first = board.content.decode().split('class="leaderboard">')[1].split("</li>")[0]
    labels = FIGURES.generated.label, FIGURES.direct.label, FIGURES.rsvps.label
    # No volunteers here: the need belongs to no campaign.
    assert text(first) == "Ana — {}: 0 · {}: 0 · {}: 1".format(*labels)


def test_a_cancelled_rsvp_or_sign_up_stops_counting(
    cast: dict[str, Any], owner: Membership
) -> None:
    assert cancel_attendance(Attendance.objects.get(email="ben@example.net"))
    # Cleo moves up into the freed place: her RSVP through Ana's link counts now.
    testing.run_periodic("fill_event_places", "rank_evangelists")
    xan, ana = cast["xan"].pk, cast["ana"].pk
    assert stored(owner.organisation) == [(xan, 1, 1, 0, 0), (ana, 0, 0, 1, 1)]
    assert cancel_attendance(Attendance.objects.get(email="cleo@example.net"))
    assert cancel_signup(Signup.objects.get(email="dev@example.net"))
    testing.run_periodic("rank_evangelists")
    assert stored(owner.organisation) == [(xan, 1, 1, 0, 0)]
    reach = reach_of(cast["ana"])
    assert (reach.rsvps, reach.volunteers) == (0, 0)


def test_erasure_follows_the_erasure_rules(cast: dict[str, Any], owner: Membership) -> None:
    # The referred person's RSVP is deleted with them: it no longer counts.
    erase_supporter(owner, Supporter.objects.get(email="ben@example.net"))
    testing.run_periodic("rank_evangelists")
    ana = cast["ana"].pk
    assert stored(owner.organisation)[1:] == [(ana, 0, 0, 0, 1)]
    # The referrer erased: Dev's sign-up stays and still credits her, by number only, as a
    # signature keeps crediting an erased referrer.
    erase_supporter(owner, cast["ana"])
    testing.run_periodic("rank_evangelists")
    assert stored(owner.organisation)[1:] == [(ana, 0, 0, 0, 1)]
    assert Signup.objects.get(email="dev@example.net").referred_by_id == ana
