"""The built-in demo timeline: a channel that posts to a page of our own site."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.stories.models import Story
from groundswell.syndication import local as local_channel
from groundswell.syndication import sending, services, tasks
from groundswell.syndication.models import ChannelAccount, LocalPost, Network

from .fakes import FakeMastodon


@pytest.fixture
def timeline_account(owner: Membership) -> ChannelAccount:
    return services.connect_local(owner)


def test_an_owner_connects_the_demo_timeline_from_the_accounts_page(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    url = reverse("syndication:accounts", args=[org.slug])
    assert "Connect the demo timeline" in client.get(url).content.decode()
    response = client.post(url, {"network": "local"})
    assert response.status_code == 302
    account = ChannelAccount.objects.get(organisation=org)
    assert account.network == Network.LOCAL and account.is_connected
    assert "Connect the demo timeline" not in client.get(url).content.decode()


def test_only_an_owner_connects_it(editor: Membership) -> None:
    with pytest.raises(PermissionDenied):
        services.connect_local(editor)
    assert not ChannelAccount.objects.exists()


def test_a_post_to_the_timeline_goes_out_in_the_worker_on_time_and_only_once(
    owner: Membership,
    published_story: Story,
    timeline_account: ChannelAccount,
    clock: testing.FakeClock,
) -> None:
    due = timezone.now() + timedelta(hours=1)
    post = services.schedule_post(
        owner, published_story, timeline_account, text="Hello from the demo", scheduled_at=due
    )
    tasks.dispatch_due_posts.enqueue()
    assert not LocalPost.objects.exists()

    clock.moment = due + timedelta(seconds=1)
    tasks.dispatch_due_posts.enqueue()
    post.refresh_from_db()
    assert post.state == "sent"
    local = LocalPost.objects.get()
    assert local.text == "Hello from the demo"
    assert local.organisation_id == owner.organisation_id
    assert local.link_url.endswith(published_story.get_absolute_url())
    timeline = reverse("syndication:timeline", args=[owner.organisation.slug])
    assert post.remote_url.endswith(f"{timeline}#post-{local.pk}")

    # A repeat (a retry after a slow send) finds the post it made instead of a second one.
    assert sending.deliver(post.pk) == "sent"
    local_channel.publish(timeline_account, sending.outgoing(post))
    assert LocalPost.objects.count() == 1


def test_the_timeline_page_shows_the_organisations_posts_to_its_members_only(
    client: Client,
    alice: User,
    charlie: User,
    owner: Membership,
    published_story: Story,
    timeline_account: ChannelAccount,
) -> None:
    services.schedule_post(
        owner,
        published_story,
        timeline_account,
        text="Out on the timeline",
        scheduled_at=timezone.now(),
    )
    sending.dispatch_due()
    url = reverse("syndication:timeline", args=[owner.organisation.slug])
    client.force_login(alice)
    html = client.get(url).content.decode()
    assert "Out on the timeline" in html
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    mine = client.get(reverse("syndication:timeline", args=["charlies"])).content.decode()
    assert "Out on the timeline" not in mine


def test_a_waiting_organisations_posts_wait_for_approval_except_on_the_demo_timeline(
    charlie: User, mastodon_server: FakeMastodon
) -> None:
    from groundswell.accounts.models import User
    from groundswell.accounts.services import approve_organisation, create_organisation
    from groundswell.stories.services import change_state
    from groundswell.testing import PASSWORD, make_story, membership

    from .fakes import TOKEN

    organisation = create_organisation(name="Waiting", slug="waiting", owner=charlie)
    member = membership(charlie, organisation)
    story = change_state(member, make_story(member), "publish")
    on_mastodon = services.schedule_post(
        member,
        story,
        services.connect_mastodon(member, service_url=mastodon_server.url, access_token=TOKEN),
        text="Not yet",
        scheduled_at=timezone.now(),
    )
    on_timeline = services.schedule_post(
        member, story, services.connect_local(member), text="Try it", scheduled_at=timezone.now()
    )
    sending.dispatch_due()
    on_mastodon.refresh_from_db()
    on_timeline.refresh_from_db()
    assert on_timeline.state == "sent"
    assert on_mastodon.state == "scheduled"
    assert on_mastodon.waiting_reason == str(sending.ORGANISATION_WAITING)
    assert mastodon_server.to("/api/v1/statuses") == []

    operator = User.objects.create_user("olive@example.org", PASSWORD, name="O", is_staff=True)
    approve_organisation(organisation, by=operator)
    sending.dispatch_due()
    on_mastodon.refresh_from_db()
    assert on_mastodon.state == "sent"
    assert len(mastodon_server.to("/api/v1/statuses")) == 1
