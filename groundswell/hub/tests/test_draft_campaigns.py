"""A published story may belong to a campaign still in draft: no public surface names it."""

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.campaigns.models import Campaign
from groundswell.stories.models import Story
from groundswell.stories.services import change_state

SECRET_TITLE = "Operation Quiet Heron"
SECRET_SLUG = "quiet-heron"


@pytest.fixture
def story_in_draft_campaign(org: Organisation, owner: Membership) -> Story:
    campaign = testing.make_campaign(owner, title=SECRET_TITLE, slug=SECRET_SLUG, status="draft")
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"
    story = testing.make_story(owner, campaign=campaign, title="Out on the river")
    change_state(owner, story, "publish")
    return story


def assert_secret_absent(text: str) -> None:
    assert "river" in text.lower()  # the story itself is there
    assert SECRET_TITLE not in text
    assert SECRET_SLUG not in text


def test_the_story_page_names_no_draft_campaign(
    client: Client, story_in_draft_campaign: Story
) -> None:
    response = client.get(story_in_draft_campaign.get_absolute_url())
    assert response.status_code == 200
    assert_secret_absent(response.content.decode())


def test_the_organisation_page_names_no_draft_campaign(
    client: Client, org: Organisation, story_in_draft_campaign: Story
) -> None:
    response = client.get(reverse("hub:organisation", args=[org.slug]))
    assert response.status_code == 200
    assert_secret_absent(response.content.decode())


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_the_organisation_feeds_name_no_draft_campaign(
    client: Client, org: Organisation, story_in_draft_campaign: Story, kind: str
) -> None:
    response = client.get(reverse(f"hub:feed_{kind}", args=[org.slug]))
    assert response.status_code == 200
    assert_secret_absent(response.content.decode())


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_a_draft_campaign_has_no_feed(
    client: Client, org: Organisation, story_in_draft_campaign: Story, kind: str
) -> None:
    response = client.get(reverse(f"hub:campaign_feed_{kind}", args=[org.slug, SECRET_SLUG]))
    assert response.status_code == 404
    assert SECRET_TITLE not in response.content.decode()


def test_the_sitemap_names_no_draft_campaign(
    client: Client, story_in_draft_campaign: Story
) -> None:
    response = client.get(reverse("hub:sitemap"))
    assert response.status_code == 200
    text = response.content.decode()
    assert story_in_draft_campaign.slug in text
    assert SECRET_SLUG not in text and SECRET_TITLE not in text


def test_the_activitypub_documents_name_no_draft_campaign(
    client: Client, org: Organisation, story_in_draft_campaign: Story
) -> None:
    accept = {"Accept": "application/activity+json"}
    article = client.get(
        reverse("federation:story", args=[story_in_draft_campaign.pk]), headers=accept
    )
    assert article.status_code == 200
    assert_secret_absent(article.content.decode())
    outbox = client.get(reverse("federation:outbox", args=[org.pk]) + "?page=1", headers=accept)
    assert outbox.status_code == 200
    assert_secret_absent(outbox.content.decode())


def test_a_public_campaign_is_still_named_and_linked(
    client: Client, org: Organisation, owner: Membership, story_in_draft_campaign: Story
) -> None:
    campaign = story_in_draft_campaign.campaign
    assert campaign is not None
    Campaign.objects.filter(pk=campaign.pk).update(status="live")
    html = client.get(story_in_draft_campaign.get_absolute_url()).content.decode()
    assert SECRET_TITLE in html and campaign.get_absolute_url() in html
    feed = client.get(reverse("hub:feed_json", args=[org.slug])).json()
    assert feed["items"][0]["tags"] == [SECRET_TITLE]
