import io
from collections.abc import Iterator
from typing import cast

import pytest
from django.tasks.backends.dummy import DummyBackend
from pytest_django.fixtures import Settings

from groundswell.accounts.models import Membership
from groundswell.lib.images import process_image
from groundswell.stories.models import Story
from groundswell.stories.services import add_image, change_state
from groundswell.syndication.models import ChannelAccount
from groundswell.testing import image_bytes, make_story

from .fakes import APP_PASSWORD, TOKEN, FakeMastodon, FakePDS


@pytest.fixture
def queued(settings: Settings) -> DummyBackend:
    """Tasks are recorded, not run: the test plays the worker (run_checks)."""
    from django.tasks import default_task_backend

    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    # The proxy stands for the DummyBackend configured just above.
    backend = cast(DummyBackend, default_task_backend)
    backend.clear()
    return backend


def run_checks(queued: DummyBackend) -> int:
    """Run the account checks that were enqueued, as the network worker would."""
    from groundswell.syndication import tasks

    ran = 0
    for result in list(queued.results):
        if result.task.name == tasks.check_account.name:
            assert result.task.queue_name == "network"
            tasks.check_account.call(*result.args)
            ran += 1
    queued.clear()
    return ran


@pytest.fixture
def pds() -> Iterator[FakePDS]:
    server = FakePDS()
    yield server
    server.stop()


@pytest.fixture
def mastodon_server() -> Iterator[FakeMastodon]:
    server = FakeMastodon()
    yield server
    server.stop()


def checked(account: ChannelAccount) -> ChannelAccount:
    """Play the worker: run the check the connection enqueued (a no-op if the test backend
    already ran it), and return the account as stored afterwards."""
    from groundswell.syndication import accounts

    accounts.check(account.pk)
    account.refresh_from_db()
    return account


@pytest.fixture
def bluesky_account(owner: Membership, pds: FakePDS) -> ChannelAccount:
    from groundswell.syndication.accounts import connect_bluesky

    account = connect_bluesky(
        owner, handle="alices.bsky.social", app_password=APP_PASSWORD, service_url=pds.url
    )
    return checked(account)


@pytest.fixture
def mastodon_account(owner: Membership, mastodon_server: FakeMastodon) -> ChannelAccount:
    from groundswell.syndication.accounts import connect_mastodon

    return checked(connect_mastodon(owner, service_url=mastodon_server.url, access_token=TOKEN))


@pytest.fixture
def story(owner: Membership) -> Story:
    return make_story(owner)


@pytest.fixture
def published_story(owner: Membership) -> Story:
    story = make_story(owner, slug="published-one", title="Otters are back")
    add_image(
        owner,
        story,
        process_image(io.BytesIO(image_bytes())),
        alt_text="Two otters on a muddy bank at dawn",
    )
    return change_state(owner, story, "publish")
