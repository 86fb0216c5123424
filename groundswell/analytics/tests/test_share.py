"""Share buttons counted per channel on their way to the network, without cookies or scripts."""

from __future__ import annotations

from urllib.parse import quote

from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition
from groundswell.events.tests.conftest import make_event
from groundswell.ideas.tests.conftest import make_challenge
from groundswell.ideas.tests.test_ideas import _shown_idea
from groundswell.referrals.models import ShareToken
from groundswell.stories.services import change_state
from groundswell.testing import SIGNING, run_periodic
from groundswell.volunteers.tests.conftest import make_need, make_shift, sign_up

from .helpers import BROWSER, settle, sign_through_the_form, total


def test_a_share_button_counts_its_channel_and_goes_on_to_the_network(
    client: Client, petition: Petition
) -> None:
    thanks = sign_through_the_form(client, petition, "asha@example.net")
    run_periodic(*SIGNING)
    token = ShareToken.objects.get().token
    html = client.get(thanks).content.decode()
    button = reverse("analytics:share_petition", args=["alices", petition.pk, "whatsapp", token])
    assert f'href="{button}"' in html
    response = client.get(button, **BROWSER)
    assert response.status_code == 302
    assert response["Location"].startswith("https://wa.me/?text=")
    assert response["Location"].endswith(quote(f"?ref={token}&ch=whatsapp", safe=""))
    assert not response.cookies
    email = client.get(button.replace("/whatsapp/", "/email/"), **BROWSER)
    assert email["Location"].startswith("mailto:?subject=")
    settle()
    assert total("share_click") == 2
    assert total("share_click", dimension="channel", value="whatsapp") == 1
    assert total("share_click", scope="petition", scope_id=petition.pk) == 2


def test_a_made_up_token_or_channel_goes_nowhere(client: Client, petition: Petition) -> None:
    sign_through_the_form(client, petition, "asha@example.net")
    run_periodic(*SIGNING)
    token = ShareToken.objects.get().token
    for channel, used in (("whatsapp", "not-a-token"), ("evil", token)):
        url = reverse("analytics:share_petition", args=["alices", petition.pk, channel, used])
        assert client.get(url, **BROWSER).status_code == 404
    settle()
    assert total("share_click") == 0


def test_a_story_share_is_counted_for_the_story_unless_the_reader_said_do_not_track(
    client: Client, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner)
    story = testing.make_story(owner, campaign=campaign)
    change_state(owner, story, "publish")
    html = client.get(story.get_absolute_url(), **BROWSER).content.decode()
    button = reverse("analytics:share_story", args=["alices", story.slug, "bluesky"])
    assert f'href="{button}"' in html
    response = client.get(button, **BROWSER)
    assert response["Location"].startswith("https://bsky.app/intent/compose?")
    client.get(button, HTTP_SEC_GPC="1", **BROWSER)
    settle()
    assert total("share_click", scope="story", scope_id=story.pk) == 1
    assert total("share_click", scope="campaign", scope_id=campaign.pk) == 1


def _click_from(client: Client, thanks: str, view: str, args: list[object]) -> str:
    """The thank-you page's WhatsApp button counts on its way; the share token it carries."""
    html = client.get(thanks).content.decode()
    token = thanks.rstrip("/").rsplit("/", 1)[1]
    button = reverse(f"analytics:{view}", args=[*args, "whatsapp", token])
    assert f'href="{button}"' in html
    response = client.get(button, **BROWSER)
    assert response.status_code == 302
    assert response["Location"].startswith("https://wa.me/?text=")
    assert response["Location"].endswith(quote(f"?ref={token}&ch=whatsapp", safe=""))
    made_up = button.replace(token, "not-a-token")
    assert client.get(made_up, **BROWSER).status_code == 404
    return token


def test_an_attendees_and_a_volunteers_share_buttons_are_counted_for_their_campaign(
    client: Client, owner: Membership
) -> None:
    event = make_event(owner)
    rsvp = client.post(
        reverse("events:rsvp", args=["alices", event.pk]),
        {"given_name": "Asha", "email": "asha@example.net", "consent": "on"},
    )
    assert rsvp.status_code == 302
    _click_from(client, rsvp["Location"], "share_event", ["alices", event.pk])
    need = make_need(owner, campaign=event.campaign)
    signed = sign_up(client, need, make_shift(owner, need))
    assert signed.status_code == 302
    _click_from(client, signed["Location"], "share_need", ["alices", need.pk])
    settle()
    assert total("share_click", scope="campaign", scope_id=event.campaign_id) == 2
    assert total("share_click", dimension="channel", value="whatsapp") == 2


def test_a_voters_share_button_is_counted(
    client: Client, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, make_challenge(owner), smtp_server)
    voted = client.post(
        reverse("ideas:vote", args=["alices", idea.pk]),
        {"vote-given_name": "Omar", "vote-email": "omar@example.net"},
    )
    assert voted.status_code == 302
    _click_from(client, voted["Location"], "share_idea", ["alices", idea.pk])
    settle()
    assert total("share_click") == 1
