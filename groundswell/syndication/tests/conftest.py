import io

import pytest

from groundswell.lib.images import process_image
from groundswell.stories.services import add_image, change_state
from groundswell.testing import image_bytes, make_story

from .fakes import APP_PASSWORD, TOKEN, FakeMastodon, FakePDS


@pytest.fixture
def pds():
    server = FakePDS()
    yield server
    server.stop()


@pytest.fixture
def mastodon_server():
    server = FakeMastodon()
    yield server
    server.stop()


@pytest.fixture
def bluesky_account(owner, pds):
    from groundswell.syndication.services import connect_bluesky

    return connect_bluesky(
        owner, handle="alices.bsky.social", app_password=APP_PASSWORD, service_url=pds.url
    )


@pytest.fixture
def mastodon_account(owner, mastodon_server):
    from groundswell.syndication.services import connect_mastodon

    return connect_mastodon(owner, service_url=mastodon_server.url, access_token=TOKEN)


@pytest.fixture
def story(owner):
    return make_story(owner)


@pytest.fixture
def published_story(owner):
    story = make_story(owner, slug="published-one", title="Otters are back")
    add_image(
        owner,
        story,
        process_image(io.BytesIO(image_bytes())),
        alt_text="Two otters on a muddy bank at dawn",
    )
    return change_state(owner, story, "publish")
