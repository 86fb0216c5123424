import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.stories.models import Story


def staff_urls(org: Organisation, campaign: Campaign, story: Story) -> list[str]:
    slug = org.slug
    return [
        reverse("hub:dashboard", args=[slug]),
        reverse("accounts:members", args=[slug]),
        reverse("accounts:settings", args=[slug]),
        reverse("campaigns:staff_list", args=[slug]),
        reverse("campaigns:staff_new", args=[slug]),
        reverse("campaigns:staff_edit", args=[slug, campaign.pk]),
        reverse("campaigns:staff_preview", args=[slug, campaign.pk]),
        reverse("stories:staff_list", args=[slug]),
        reverse("stories:staff_new", args=[slug]),
        reverse("stories:approvals", args=[slug]),
        reverse("stories:staff_edit", args=[slug, story.pk]),
        reverse("stories:staff_revisions", args=[slug, story.pk]),
        reverse("stories:staff_preview", args=[slug, story.pk]),
        reverse("audit:log", args=[slug]),
    ]


@pytest.fixture
def content(owner: Membership) -> tuple[Campaign, Story]:
    return testing.make_campaign(owner), testing.make_story(owner)


def test_a_stranger_gets_404_on_every_staff_page_of_another_organisation(
    client: Client, org: Organisation, content: tuple[Campaign, Story], charlie: User
) -> None:
    client.force_login(charlie)
    for url in staff_urls(org, *content):
        assert client.get(url).status_code == 404, url


def test_a_stranger_cannot_reach_objects_of_another_org_through_their_own_org(
    client: Client, org: Organisation, content: tuple[Campaign, Story], charlie: User
) -> None:
    campaign, story = content
    client.force_login(charlie)
    assert (
        client.get(reverse("campaigns:staff_edit", args=["charlies", campaign.pk])).status_code
        == 404
    )
    assert client.get(reverse("stories:staff_edit", args=["charlies", story.pk])).status_code == 404
    response = client.post(
        reverse("stories:staff_transition", args=["charlies", story.pk]), {"action": "publish"}
    )
    assert response.status_code == 404
    story.refresh_from_db()
    assert story.state == "draft"


def test_anonymous_visitors_are_sent_to_sign_in(
    client: Client, org: Organisation, content: tuple[Campaign, Story]
) -> None:
    for url in staff_urls(org, *content):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["owner", "editor", "moderator", "analyst"])
def test_every_role_reads_the_staff_pages_and_only_owners_read_the_audit_log(
    client: Client, org: Organisation, content: tuple[Campaign, Story], role: str
) -> None:
    user = testing.make_user(f"{role}-person@example.org", f"A {role}")
    if role == "owner":
        testing.add_member(org, user, "owner")
    else:
        testing.add_member(org, user, role)
    client.force_login(user)
    for url in staff_urls(org, *content):
        response = client.get(url)
        if url == reverse("audit:log", args=[org.slug]):
            assert response.status_code == (200 if role == "owner" else 403), url
        elif url == reverse("campaigns:staff_new", args=[org.slug]) or url == reverse(
            "stories:staff_new", args=[org.slug]
        ):
            expected = 200 if role in ("owner", "editor") else 403
            assert response.status_code == expected, url
        else:
            assert response.status_code == 200, url


def test_an_analyst_can_read_but_not_write(
    client: Client, org: Organisation, content: tuple[Campaign, Story]
) -> None:
    _campaign, story = content
    analyst = testing.make_user("dana@example.org", "Dana Analyst")
    testing.add_member(org, analyst, "analyst")
    client.force_login(analyst)
    response = client.post(
        reverse("campaigns:staff_new", args=[org.slug]),
        {"title": "Sneaky", "slug": "sneaky", "status": "draft"},
    )
    assert response.status_code == 403
    assert b"can read campaigns and stories but not change them" in response.content
    assert not Campaign.objects.filter(slug="sneaky").exists()
    response = client.post(
        reverse("stories:staff_edit", args=[org.slug, story.pk]),
        {"title": "Changed", "slug": story.slug, "language": "en", "body": "x"},
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.title == "The river at dawn"
    response = client.post(
        reverse("stories:staff_transition", args=[org.slug, story.pk]), {"action": "publish"}
    )
    assert response.status_code == 403


def test_one_person_belongs_to_two_organisations_and_switches(
    client: Client, org: Organisation, alice: User, charlie: User
) -> None:
    charlies = charlie.memberships.get().organisation
    testing.add_member(charlies, alice, "editor")
    client.force_login(alice)
    response = client.get(reverse("hub:dashboard", args=[org.slug]))
    assert b"Charlie&#x27;s Club (Editor)" in response.content  # the switcher lists both
    response = client.post(reverse("accounts:switch"), {"org": "charlies"})
    assert response["Location"] == reverse("hub:dashboard", args=["charlies"])
    assert client.get(response["Location"]).status_code == 200
    # /staff/ remembers the organisation used last
    assert client.get(reverse("accounts:staff_home"))["Location"] == response["Location"]
    # and switching to an organisation one does not belong to is a 404
    outsider = testing.make_organisation(charlie, name="Other", slug="other")
    assert client.post(reverse("accounts:switch"), {"org": outsider.slug}).status_code == 404


def test_staff_writes_are_audited_and_owners_read_them(
    client: Client, org: Organisation, alice: User, owner: Membership
) -> None:
    client.force_login(alice)
    client.post(
        reverse("campaigns:staff_new", args=[org.slug]),
        {"title": "Bus Lanes", "slug": "bus-lanes", "status": "draft"},
    )
    entry = AuditEntry.objects.filter(organisation=org, action="campaign.create").get()
    assert entry.actor == alice
    # By kind and number: a title can name a private person, and the log keeps it for years.
    assert entry.summary == f"Created campaign #{entry.target_id}"
    assert "Bus Lanes" not in entry.summary
    page = client.get(reverse("audit:log", args=[org.slug]))
    assert f"Created campaign #{entry.target_id}" in page.content.decode()
