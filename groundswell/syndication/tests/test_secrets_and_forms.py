import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from groundswell.accounts.models import Membership
from groundswell.lib import sealed
from groundswell.stories.models import Story
from groundswell.syndication import crypto, sending, services
from groundswell.syndication.forms import ScheduleForm
from groundswell.syndication.models import ChannelAccount

from .fakes import FakeMastodon


def test_a_secret_stays_readable_after_the_secret_key_is_rotated(settings: Settings) -> None:
    old_key, new_key = "o" * 50, "n" * 50
    settings.SECRET_KEY = old_key
    stored = crypto.encrypt("app password")

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new_key, [old_key]
    assert crypto.decrypt(stored) == "app password"
    assert crypto.decrypt(crypto.encrypt("new secret")) == "new secret"

    settings.SECRET_KEY_FALLBACKS = []
    assert crypto.decrypt(crypto.encrypt("new secret")) == "new secret"
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(stored)


# Sealed by syndication/crypto.py as it was before it used lib/sealed.py, under the key below.
SEALED_BEFORE = (
    "gAAAAABrFhM9OB_P_cIig8mbj9RCIFMMHiWgHwR_Cw_4-f7fl0VYFNOEFtY7aWGRNs3AYQ7zSyw296u_MuwOFjzTUnk"
    "zxzzQhVz06nM1GOYDDzg4d8V81iZe0rk1RadC4YRB0LxKLaaN"
)


def test_a_secret_stored_before_the_shared_sealing_helper_still_opens(settings: Settings) -> None:
    settings.SECRET_KEY = "a fixed key for this one test, never used elsewhere"
    settings.SECRET_KEY_FALLBACKS = []
    assert crypto.decrypt(SEALED_BEFORE) == "an app password sealed before lib/sealed.py"
    # The two-factor keys are sealed for another purpose: neither opens as the other.
    with pytest.raises(crypto.SecretUnreadable):
        sealed.unseal(SEALED_BEFORE, purpose="channel account secrets v1")


def test_the_form_and_the_service_give_the_same_length_message(
    bluesky_account: ChannelAccount,
) -> None:
    form = ScheduleForm(
        {
            f"account-{bluesky_account.pk}-text": "x" * 301,
            f"account-{bluesky_account.pk}-scheduled_at": "2030-01-01T12:00",
            f"account-{bluesky_account.pk}-attachment": "none",
        },
        account=bluesky_account,
    )
    assert not form.is_valid()
    assert form.errors["text"] == [
        "This is 301 characters long; Bluesky allows 300. Shorten it by 1."
    ]


def test_a_mastodon_link_post_does_not_need_the_cover_image_file(
    owner: Membership,
    published_story: Story,
    mastodon_account: ChannelAccount,
    mastodon_server: FakeMastodon,
) -> None:
    # Mastodon builds its own link card: the thumbnail is for Bluesky only.
    published_story.refresh_from_db()
    cover = published_story.cover
    assert cover is not None and cover.small.name and cover.image.name
    cover.small.storage.delete(cover.small.name)
    cover.image.storage.delete(cover.image.name)
    post = services.schedule_post(
        owner, published_story, mastodon_account, text="A link", scheduled_at=timezone.now()
    )

    sending.dispatch_due()

    post.refresh_from_db()
    assert (post.state, post.last_error) == ("sent", "")
