"""Signing up for a shift: one row in the request, the worker's place or waitlist by email,
cancel from the email and the waitlist moving up, reminders the day before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import DjangoAssertNumQueries

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.supporters.models import Supporter
from groundswell.volunteers.models import Need, Shift, Signup, SignupState

from .conftest import make_need, make_shift, sign_up

pytestmark = pytest.mark.django_db


def test_the_request_stores_one_row_and_promises_an_email(
    client: Client, need: Need, shift: Shift
) -> None:
    response = sign_up(client, need, shift, skills=["Van"])
    signup = Signup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/o/alices/volunteer/{need.pk}/thanks/{signup.share_token}/"
    assert (signup.state, signup.supporter_id, signup.skills) == (SignupState.NEW, None, ["Van"])
    assert signup.wording_id == need.wording_id and signup.language == "en"
    assert not Supporter.objects.exists()  # the worker decides, not the request
    page = client.get(response["Location"]).content.decode()
    assert "We will confirm your place by email" in page
    assert f"ref={signup.share_token}" in page  # the share step: their own link


def test_a_sign_up_costs_the_same_however_many_came_before_and_errors_still_show_places(
    client: Client,
    need: Need,
    shift: Shift,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    """The request stores one row; it counts no places (it used to read every confirmed
    volunteer's skills on each POST). A form sent back with an error still says what is left."""
    for n in range(30):  # from as many connections: each may send ten a minute
        early = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        sign_up(early, need, shift, email=f"early{n}@example.net", skills=["Van"])
    Signup.objects.update(state=SignupState.CONFIRMED)
    with CaptureQueriesContext(connection) as queries:
        assert sign_up(client, need, shift, email="late@example.net").status_code == 302
    read = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in read if '"volunteers_signup"."skills"' in sql]
    with django_assert_max_num_queries(len(queries)):
        assert sign_up(client, need, shift, email="later@example.net").status_code == 302
    page = sign_up(client, need, shift, email="not an address").content.decode()
    assert "(full: you join the waitlist)" in page or "places left)" in page


def test_a_repeat_stores_nothing_and_gets_the_same_page(
    client: Client, need: Need, shift: Shift
) -> None:
    first = sign_up(client, need, shift)
    again = sign_up(client, need, shift, email="  RAVI@example.net ")
    assert first["Location"] == again["Location"]
    assert Signup.objects.count() == 1


def test_the_worker_gives_places_then_the_waitlist_and_emails_which(
    client: Client, need: Need, shift: Shift, smtp_server: testing.LocalSMTPServer
) -> None:
    for name in ("ana", "ben", "cai"):
        sign_up(client, need, shift, given_name=name.title(), email=f"{name}@example.net")
    testing.run_periodic("decide_signups")
    states = dict(Signup.objects.values_list("given_name", "state"))
    assert states == {"Ana": "confirmed", "Ben": "confirmed", "Cai": "waitlisted"}
    assert Supporter.objects.count() == 3
    mail = {message["To"]: message for message in smtp_server.messages}
    assert "Your place is confirmed" in mail["ana@example.net"]["Subject"]
    assert "waitlist" in mail["cai@example.net"]["Subject"]
    assert "Alder Street depot" in smtp_server.bodies()[0]
    testing.run_periodic("decide_signups")  # nothing decided twice
    assert len(smtp_server.messages) == 3


def test_a_cancel_from_the_email_moves_the_waitlist_up(
    client: Client, need: Need, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    shift = make_shift(owner, need, slots=1)
    sign_up(client, need, shift, given_name="Ana", email="ana@example.net")
    sign_up(client, need, shift, given_name="Ben", email="ben@example.net")
    testing.run_periodic("decide_signups")
    link = next(url for url in smtp_server.links("/volunteering/") if "ana" not in url)
    ana = Signup.objects.get(email="ana@example.net")
    page = f"/o/alices/volunteering/{ana.token}/"
    assert any(url.endswith(page) for url in smtp_server.links("/volunteering/"))
    assert link  # Ben's own link, to his own page
    shown = client.get(page)  # a mail scanner following the link changes nothing
    assert "Cancel my place" in shown.content.decode()
    assert Signup.objects.get(pk=ana.pk).state == SignupState.CONFIRMED
    assert client.post(page, {"action": "cancel"}).status_code == 302
    states = dict(Signup.objects.values_list("given_name", "state"))
    assert states == {"Ana": "cancelled", "Ben": "confirmed"}
    assert "A place opened up" in smtp_server.messages[-1]["Subject"]
    assert smtp_server.messages[-1]["To"] == "ben@example.net"
    assert "You have cancelled" in client.get(page).content.decode()
    # Signing up again starts afresh: the worker decides once more (now the waitlist).
    sign_up(client, need, shift, given_name="Ana", email="ana@example.net")
    testing.run_periodic("decide_signups")
    assert Signup.objects.get(pk=ana.pk).state == SignupState.WAITLISTED


def test_a_share_link_credits_the_volunteer_who_shared_it(
    client: Client, need: Need, shift: Shift, owner: Membership
) -> None:
    sign_up(client, need, shift, given_name="Ana", email="ana@example.net")
    testing.run_periodic("decide_signups")
    ana = Signup.objects.get()
    page = client.get(f"/o/alices/volunteer/{need.pk}/?ref={ana.share_token}&ch=whatsapp")
    assert f'name="ref" value="{ana.share_token}"' in page.content.decode()
    sign_up(
        client, need, shift, given_name="Ben", email="ben@example.net",
        ref=ana.share_token, ch="whatsapp",
    )  # fmt: skip
    testing.run_periodic("decide_signups")
    ben = Signup.objects.get(email="ben@example.net")
    assert ben.referred_by_id == ana.supporter_id
    assert ben.referrer_data["source"] == "whatsapp"
    # Nobody is credited for bringing themselves.
    other = make_shift(owner, need)
    sign_up(client, need, other, given_name="Ana", email="ana@example.net", ref=ana.share_token)
    testing.run_periodic("decide_signups")
    assert Signup.objects.get(shift=other).referred_by_id is None


def test_reminders_go_the_day_before_once(
    client: Client, need: Need, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    soon = make_shift(owner, need, hours=20)
    later = make_shift(owner, need, hours=80)
    sign_up(client, need, soon, given_name="Ana", email="ana@example.net")
    sign_up(client, need, later, given_name="Ben", email="ben@example.net")
    testing.run_periodic("decide_signups")
    sent = len(smtp_server.messages)
    testing.run_periodic("remind_volunteers", "remind_volunteers")
    reminders = smtp_server.messages[sent:]
    assert [message["To"] for message in reminders] == ["ana@example.net"]
    assert reminders[0]["Subject"].startswith("Tomorrow")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"given_name": ""}, "Enter your first name."),
        ({"email": "not an address"}, "email address"),
        ({"consent": ""}, "Tick the box to agree"),
        ({"shift": "999999"}, "Choose one of the shifts shown."),
        ({"shift": "x"}, "Choose one of the shifts shown."),
        ({"skills": ["Helicopter"]}, "Choose only from the things listed."),
        ({"phone": "call me maybe"}, "Enter a phone number in digits"),
    ],
)
def test_bad_input_is_refused_with_its_message_and_keeps_what_was_typed(
    client: Client, need: Need, shift: Shift, fields: dict[str, str], message: str
) -> None:
    response = sign_up(client, need, shift, family_name="Kapoor", **fields)
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in page and "There is a problem" in page
    assert message in page
    assert 'value="Kapoor"' in page
    assert not Signup.objects.exists()


def test_a_closed_need_takes_nobody(
    client: Client, need: Need, shift: Shift, owner: Membership
) -> None:
    from groundswell.volunteers.services import set_need_status

    set_need_status(owner, need, "closed")
    response = sign_up(client, need, shift)
    assert response.status_code == 400
    assert "This need is closed" in response.content.decode()
    assert not Signup.objects.exists()


def test_a_draft_need_is_not_public(client: Client, owner: Membership) -> None:
    from groundswell.volunteers import services

    draft = services.create_need(owner, {"title": "Draft", "quantity": 3, "skills": []})
    assert client.get(f"/o/alices/volunteer/{draft.pk}/").status_code == 404


def test_someone_elses_page_token_is_a_404(client: Client) -> None:
    assert client.get("/o/alices/volunteering/nope/").status_code == 404
    assert client.get("/o/alices/volunteering/ü/").status_code == 404


def test_the_reminder_window_is_relative_to_now(
    client: Client, need: Need, owner: Membership, clock: testing.FakeClock
) -> None:
    later = make_shift(owner, need, hours=50)
    sign_up(client, need, later)
    testing.run_periodic("decide_signups")
    assert remind_now() == 0
    clock.advance(timedelta(hours=30))
    assert remind_now() == 1


def remind_now() -> int:
    from groundswell.volunteers.decide import remind_due

    return remind_due()


def test_a_need_of_a_campaign_not_yet_announced_does_not_name_it(
    client: Client, owner: Membership
) -> None:
    draft = testing.make_campaign(
        owner, title="Secret Sewage Dossier", slug="dossier", status="draft"
    )
    public = make_need(owner, campaign=draft)
    page = client.get(f"/o/alices/volunteer/{public.pk}/")
    assert page.status_code == 200
    assert "Secret Sewage Dossier" not in page.content.decode()
    live = testing.make_campaign(owner, title="Clean the Alder", slug="alder")
    announced = make_need(owner, campaign=live, title="Litter pickers")
    assert "Clean the Alder" in client.get(f"/o/alices/volunteer/{announced.pk}/").content.decode()
