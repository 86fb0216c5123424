"""Share buttons counted per channel on their way to the network, without cookies or scripts."""

from __future__ import annotations

from urllib.parse import quote

from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition
from groundswell.referrals.models import ShareToken
from groundswell.stories.services import change_state
from groundswell.testing import SIGNING, run_periodic

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
