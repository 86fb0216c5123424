"""Cards and bylines say which language they are in; cover images offer a small and a large
copy (srcset) so phones fetch the small one."""

from __future__ import annotations

import io
import re
from typing import Any

from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.campaigns.services import create_campaign
from groundswell.lib.images import ProcessedImage, process_image
from groundswell.stories.models import Story
from groundswell.stories.services import add_image, change_state, set_cover


def picture() -> ProcessedImage:
    return process_image(io.BytesIO(testing.image_bytes(size=(1200, 675))), name="photo")


def published(owner: Membership, **fields: Any) -> Story:
    story = testing.make_story(owner, **fields)
    change_state(owner, story, "publish")
    return Story.objects.get(pk=story.pk)


def test_a_card_and_a_byline_in_another_language_say_so(client: Client, owner: Membership) -> None:
    arabic = published(owner, title="عودة ثعالب الماء", slug="otters-ar", language="ar",
                       summary="رأى المتطوعون ثلاثة ثعالب.", body="نص القصة.")  # fmt: skip
    published(owner, title="Otters are back", slug="otters-en")
    hub = client.get("/o/alices/").content.decode()
    found = re.search(r'<li class="card"[^>]*>(?:(?!</li>).)*عودة ثعالب الماء.*?</li>', hub, re.S)
    assert found
    card = found.group(0)
    assert card.startswith('<li class="card" lang="ar" dir="rtl">')
    # The date under it is written in the page's language, and says so.
    assert re.search(r'<p class="muted" lang="en" dir="ltr"><time', card)
    found = re.search(r'<li class="card"[^>]*>(?:(?!</li>).)*Otters are back', hub, re.S)
    assert found
    english = found.group(0)
    assert english.startswith('<li class="card" lang="en" dir="ltr">')

    page = client.get(arabic.get_absolute_url()).content.decode()
    assert '<article lang="ar" dir="rtl">' in page
    assert '<p class="muted byline" lang="en" dir="ltr">' in page


def test_cover_images_offer_a_small_and_a_large_copy(client: Client, owner: Membership) -> None:
    campaign = create_campaign(
        owner,
        {"title": "Clean Rivers", "slug": "rivers", "status": "live", "cover_alt": "The river"},
        cover=picture(),
    )
    story = testing.make_story(owner, campaign=campaign)
    cover = add_image(owner, story, picture(), alt_text="An otter")
    add_image(owner, story, picture(), alt_text="The mill")
    set_cover(owner, story, cover)
    change_state(owner, Story.objects.get(pk=story.pk), "publish")

    hub = client.get("/o/alices/").content.decode()
    campaign_page = client.get(campaign.get_absolute_url()).content.decode()
    story_page = client.get(story.get_absolute_url()).content.decode()
    small_and_large = r'srcset="/media/\S+ 640w, /media/\S+ \d+w"'
    for alt, html in (
        ("The river", hub),  # the campaign's card
        ("An otter", hub),  # the story's card
        ("The river", campaign_page),
        ("An otter", campaign_page),
        ("An otter", story_page),
        ("The mill", story_page),
    ):
        found = re.search(rf'<img [^>]*alt="{alt}"[^>]*>', html)
        assert found, alt
        image = found.group(0)
        assert re.search(small_and_large, image), (alt, image)
