from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from groundswell.accounts.models import Membership, Organisation
from groundswell.stories.models import Story
from groundswell.syndication import services
from groundswell.syndication.length import bluesky_length, mastodon_length
from groundswell.syndication.models import ChannelAccount, ScheduledPost

FAMILY = "👩‍👩‍👧‍👦"  # seven code points, one grapheme
ACCENTED = "e\u0301"  # e + combining acute: two code points, one grapheme
THUMB = "👍🏽"  # with a skin tone: two code points, one grapheme


def test_graphemes_count_emoji_sequences_and_combining_marks_as_one() -> None:
    assert bluesky_length(FAMILY + ACCENTED + THUMB + "a") == 4


def test_mastodon_counts_every_link_as_23_characters() -> None:
    long_link = "https://example.org/" + "x" * 200
    assert mastodon_length(f"Read {long_link} now") == len("Read ") + 23 + len(" now")
    assert mastodon_length("Hi @otter@social.example") == len("Hi @otter")


@pytest.fixture
def accounts(org: Organisation) -> tuple[ChannelAccount, ChannelAccount]:
    def make(network: str) -> ChannelAccount:
        return ChannelAccount.objects.create(
            organisation=org,
            network=network,
            handle="alices",
            service_url="https://example.org",
            secret_encrypted="",
        )

    return make("bluesky"), make("mastodon")


def _schedule(owner: Membership, story: Story, account: ChannelAccount, text: str) -> ScheduledPost:
    return services.schedule_post(
        owner, story, account, text=text, scheduled_at=timezone.now() + timedelta(hours=1)
    )


def test_the_server_accepts_exactly_300_graphemes_for_bluesky(
    owner: Membership, story: Story, accounts: tuple[ChannelAccount, ChannelAccount]
) -> None:
    bluesky, _mastodon = accounts
    text = (FAMILY + ACCENTED + THUMB) * 100
    assert len(text) > 300
    assert _schedule(owner, story, bluesky, text).pk
    with pytest.raises(ValidationError, match="301 characters long; Bluesky allows 300"):
        _schedule(owner, story, bluesky, text + "!")


def test_the_server_accepts_500_characters_for_mastodon_with_links_as_23(
    owner: Membership, story: Story, accounts: tuple[ChannelAccount, ChannelAccount]
) -> None:
    _bluesky, mastodon = accounts
    link = "https://example.org/a-very-long-address/" + "x" * 100
    text = link + " " + "a" * (500 - 24)
    assert _schedule(owner, story, mastodon, text).pk
    with pytest.raises(ValidationError, match="501 characters long; Mastodon allows 500"):
        _schedule(owner, story, mastodon, text + "b")
