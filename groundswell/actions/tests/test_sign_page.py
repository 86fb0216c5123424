"""The signing moment: the page a friend lands on, errors the GOV.UK way, what comes next."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature, SignatureIntake
from groundswell.campaigns.models import Campaign
from groundswell.campaigns.services import create_campaign
from groundswell.lib.images import process_image
from groundswell.stories.services import change_state


def sign_url(petition: Petition) -> str:
    return reverse("actions:sign", args=[petition.organisation.slug, petition.pk])


class Page(HTMLParser):
    """Ids, aria-describedby references and links of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        element_id, described_by, href = (
            values.get("id"),
            values.get("aria-describedby"),
            values.get("href"),
        )
        if element_id:
            self.ids.add(element_id)
        if described_by:
            self.described[element_id or tag] = described_by.split()
        if tag == "a" and href:
            self.links.append(href)
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def test_a_failed_signature_fails_the_govuk_way_on_the_sign_url(
    client: Client, petition: Petition
) -> None:
    response = client.post(
        sign_url(petition),
        {"given_name": "", "family_name": "Kept Surname", "email": "not-an-address"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    page = Page(html)
    assert page.title.startswith("Error: ")
    # The summary comes first in the main content, takes focus and links to each field.
    summary = html.index('class="error-summary"')
    assert summary < html.index("<h1")
    assert re.search(r'class="error-summary"[^>]*tabindex="-1"[^>]*autofocus', html)
    p = petition.pk
    for field in ("given_name", "email", "consent"):
        assert f"#p{p}-{field}" in page.links
        assert f"p{p}-{field}" in page.ids
    # Every field with a message points at it, and every id it points at exists.
    assert page.described[f"p{p}-email"] == [f"p{p}-email_helptext", f"p{p}-email_error"]
    assert page.described[f"p{p}-given_name"] == [f"p{p}-given_name_error"]
    assert page.described[f"p{p}-consent"] == [f"p{p}-consent_error"]
    for references in page.described.values():
        assert set(references) <= page.ids, references
    assert '<span class="visually-hidden">Error:</span> Enter your first name.' in html
    # What the person typed is still there, and the form posts to this same URL again.
    assert 'value="Kept Surname"' in html and 'value="not-an-address"' in html
    assert f'action="{sign_url(petition)}"' in html
    assert not Signature.objects.exists() and not SignatureIntake.objects.exists()


def test_the_sign_url_shows_the_form_to_a_get(client: Client, petition: Petition) -> None:
    """A reload or the back button after an error must not meet 'method not allowed'."""
    response = client.get(sign_url(petition) + "?ref=abc&ch=whatsapp")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="petition-{petition.pk}-form"' in html
    assert 'name="ref" value="abc"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert "error-summary" not in html


def test_a_signature_that_works_costs_one_count_and_one_insert(
    client: Client, petition: Petition
) -> None:
    """The hot path stays lean: the error summary and next actions cost it nothing."""
    client.post(
        sign_url(petition), {"given_name": "Warm", "email": "w@example.net", "consent": "on"}
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            sign_url(petition), {"given_name": "Ana", "email": "ana@example.net", "consent": "on"}
        )
    assert response.status_code == 302
    # The burst limit's count, shared by every process, and the signature itself.
    assert [q["sql"].split()[:3] for q in queries] == [
        ["INSERT", "INTO", "ratelimit_count"],
        ["INSERT", "INTO", "actions_signatureintake"],
    ]


def _campaign_with_cover(owner: Membership, **fields: Any) -> Campaign:
    cover = process_image(io.BytesIO(testing.image_bytes(size=(1600, 900))), name="cover")
    data = {"title": "Clean Rivers Now", "slug": "clean-rivers", "status": "live",
            "summary": "Rivers clean enough to swim in by 2030.", "cover_alt": "The river",
            **fields}  # fmt: skip
    return create_campaign(owner, data, cover=cover)


def test_the_share_landing_page_has_a_heading_image_summary_and_a_way_to_sign(
    client: Client, owner: Membership
) -> None:
    campaign = _campaign_with_cover(owner)
    petition = testing.make_petition(owner, campaign)
    html = client.get(petition.get_absolute_url() + "?ref=tok&ch=whatsapp").content.decode()
    assert f'<h1 id="petition-{petition.pk}-title">Stop the sewage</h1>' in html
    assert re.search(r'<img src="[^"]+" srcset="[^"]+ 640w, [^"]+ 1600w"[^>]*alt="The river"', html)
    assert '<p class="lede">Rivers clean enough to swim in by 2030.</p>' in html
    assert f'href="#petition-{petition.pk}-form"' in html
    assert 'name="ref" value="tok"' in html


def test_a_story_of_a_campaign_offers_its_petition_and_share_buttons(
    client: Client, owner: Membership
) -> None:
    campaign = _campaign_with_cover(owner)
    petition = testing.make_petition(owner, campaign)
    story = testing.make_story(owner, campaign=campaign)
    change_state(owner, story, "publish")
    html = client.get(story.get_absolute_url()).content.decode()
    assert f'action="{sign_url(petition)}"' in html
    assert "Share this story" in html
    # The button goes through our counting address on its way to WhatsApp's share page.
    whatsapp = reverse("analytics:share_story", args=["alices", story.slug, "whatsapp"])
    assert f'href="{whatsapp}"' in html
    assert client.get(whatsapp)["Location"].startswith("https://wa.me/?text=")
    assert f"{story.get_absolute_url()}?ch=copy" in html


def test_the_thanks_page_offers_other_live_petitions_of_the_organisation(
    client: Client, owner: Membership
) -> None:
    campaign = _campaign_with_cover(owner)
    petition = testing.make_petition(owner, campaign)
    sibling = testing.make_petition(owner, campaign, title="Fund river rangers")
    elsewhere = testing.make_petition(
        owner,
        testing.make_campaign(owner, title="Safe Streets", slug="streets"),
        title="Light the underpass",
    )
    closed = testing.make_petition(owner, campaign, title="Old ask", status="closed")
    draft = testing.make_petition(
        owner,
        testing.make_campaign(owner, title="Unready", slug="unready", status="draft"),
        title="Not yet public",
    )
    response = client.post(
        sign_url(petition), {"given_name": "Ana", "email": "ana@example.net", "consent": "on"}
    )
    html = client.get(response["Location"]).content.decode()
    links = Page(html).links
    offered = [link for link in links if "/petitions/" in link and "?" not in link]
    assert offered.index(sibling.get_absolute_url()) < offered.index(elsewhere.get_absolute_url())
    for absent in (petition, closed, draft):
        assert absent.get_absolute_url() not in offered


def test_the_callout_says_when_a_petition_no_longer_takes_signatures(
    client: Client, owner: Membership
) -> None:
    campaign = _campaign_with_cover(owner)
    petition = testing.make_petition(owner, campaign, status="closed")
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert f'href="#petition-{petition.pk}-form"' not in html
    assert re.search(
        r'<p class="callout">(?:(?!</p>).)*<span class="badge closed">Closed', html, re.S
    )
