"""A link card whose words the worker fetches after its story went public is checked then:
held off the story's pages if flagged, staff told on the story's pages, until an owner or a
safety officer lets the text out (or nothing flags it any more)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.safety.models import SafetyOverride
from groundswell.safety.services import Flagged, add_public_figure, text_hash
from groundswell.stories import services
from groundswell.stories.models import LinkCardStatus, Story
from groundswell.stories.tasks import fetch_link_card

PHONE = "07700 900123"
NAMED = "Dana Whitcombe"
REASON = "The number is the council's own switchboard, printed on its site."


def page(title: str, description: str) -> bytes:
    return (
        f'<html><head><meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="{description}"></head></html>'
    ).encode()


@pytest.fixture
def published(
    owner: Membership, web_server: testing.LocalWebServer, task_queue: None
) -> tuple[Story, testing.LocalWebServer]:
    """A clean story published while its card is still waiting for the worker."""
    story = testing.make_story(
        owner,
        title="Otters back on the river",
        body="Volunteers counted three otters on Sunday.",
        link_url=web_server.url("/report"),
    )
    story = services.change_state(owner, story, "publish")
    assert story.link_card is not None and story.link_card.status == LinkCardStatus.PENDING
    return story, web_server


def fetch(story: Story) -> Story:
    """The worker's turn for the story's card (the page `serve` set up answers it)."""
    assert story.link_card_id is not None
    fetch_link_card.call(story.link_card_id)
    return Story.objects.select_related("link_card").get(pk=story.pk)


def serve(server: testing.LocalWebServer, title: str, description: str) -> None:
    server.routes["/report"] = (200, {"Content-Type": "text/html"}, page(title, description))


def public_html(client: Client, story: Story) -> str:
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sami(org: Organisation) -> User:
    user = testing.make_user("sami@example.org", "Sami Safety")
    testing.add_member(org, user, "safety_officer")
    return user


def test_a_flagged_card_fetched_after_publishing_is_held_and_staff_are_told(
    client: Client,
    alice: User,
    org: Organisation,
    published: tuple[Story, testing.LocalWebServer],
) -> None:
    story, server = published
    serve(server, "Council report", f"Ring the neighbour on {PHONE} tonight")
    story = fetch(story)
    assert story.link_card is not None and story.link_card.status == LinkCardStatus.READY
    assert story.card_held == "phone"
    html = public_html(client, story)
    assert "Council report" not in html and PHONE not in html and 'class="linkcard"' not in html
    entry = AuditEntry.objects.get(action="story.card_held")
    assert entry.actor is None and entry.target_id == str(story.pk)
    assert PHONE not in entry.summary + str(entry.changes)
    assert "Council report" not in entry.summary

    client.force_login(alice)
    edit = client.get(reverse("stories:staff_edit", args=[org.slug, story.pk])).content.decode()
    assert "The link card is not shown to readers." in edit and "(phone" in edit
    assert reverse("stories:staff_safety", args=[org.slug, story.pk]) in edit
    safety = client.get(reverse("stories:staff_safety", args=[org.slug, story.pk]))
    page_html = safety.content.decode()
    assert "The link card is not shown to readers." in page_html
    assert f'">{PHONE}</mark>' in page_html  # marked, with its reason beside it
    preview = client.get(reverse("stories:staff_preview", args=[org.slug, story.pk]))
    assert "The link card is not shown to readers." in preview.content.decode()


def test_a_clean_card_fetched_after_publishing_is_shown(
    client: Client, published: tuple[Story, testing.LocalWebServer]
) -> None:
    story, server = published
    serve(server, "Council report", "The river survey for the spring")
    story = fetch(story)
    assert story.card_held == ""
    html = public_html(client, story)
    assert "Council report" in html and 'class="linkcard"' in html
    assert not AuditEntry.objects.filter(action="story.card_held").exists()


def test_a_draft_is_not_held_its_publish_reads_the_card_instead(
    owner: Membership, web_server: testing.LocalWebServer, task_queue: None
) -> None:
    serve(web_server, "Council report", f"Ring the neighbour on {PHONE} tonight")
    story = testing.make_story(owner, body="Otters.", link_url=web_server.url("/report"))
    story = fetch(story)
    assert story.card_held == ""
    with pytest.raises(Flagged):
        services.change_state(owner, story, "publish")


def test_the_safety_officer_lets_the_held_card_out_with_a_reason(
    client: Client,
    sami: User,
    bob: User,
    org: Organisation,
    published: tuple[Story, testing.LocalWebServer],
) -> None:
    story, server = published
    serve(server, "Council report", f"Ring the switchboard on {PHONE}")
    story = fetch(story)
    url = reverse("stories:staff_safety", args=[org.slug, story.pk])
    digest = text_hash(services.story_text(story))
    client.force_login(bob)  # an editor may read the page, not decide
    assert client.post(url, {"reason": REASON, "text_hash": digest}).status_code == 403
    assert client.post(url, {"show_card": "1"}).status_code == 403
    client.force_login(sami)
    refused = client.post(url, {"show_card": "1"})  # still flagged: a reason is needed
    assert refused.status_code == 302
    assert Story.objects.get(pk=story.pk).card_held == "phone"
    done = client.post(url, {"reason": REASON, "text_hash": digest})
    assert done.status_code == 302
    assert SafetyOverride.objects.get().reason == REASON
    assert Story.objects.get(pk=story.pk).card_held == ""
    client.logout()
    assert f"Ring the switchboard on {PHONE}" in public_html(client, story)


def test_a_card_nothing_flags_any_more_is_shown_again_by_an_officer(
    client: Client,
    sami: User,
    org: Organisation,
    published: tuple[Story, testing.LocalWebServer],
) -> None:
    story, server = published
    serve(server, "Court list", f"{NAMED} was arrested on Sunday")
    story = fetch(story)
    assert story.card_held
    officer = testing.membership(sami, org)
    add_public_figure(officer, name=NAMED, note="The council leader.")
    client.force_login(sami)
    url = reverse("stories:staff_safety", args=[org.slug, story.pk])
    assert "Show the link card again" in client.get(url).content.decode()
    shown = client.post(url, {"show_card": "1"})
    assert shown.status_code == 302
    assert Story.objects.get(pk=story.pk).card_held == ""
    entry = AuditEntry.objects.get(action="story.card_shown")
    assert NAMED not in entry.summary and entry.actor == sami


def test_an_edit_that_passes_the_gate_or_a_new_link_shows_the_card_again(
    owner: Membership, published: tuple[Story, testing.LocalWebServer]
) -> None:
    story, server = published
    serve(server, "Council report", f"Ring the neighbour on {PHONE} tonight")
    story = fetch(story)
    assert story.card_held
    services.update_story(owner, story, {"link_url": "https://example.org/otters"})
    story.refresh_from_db()
    assert story.card_held == ""
