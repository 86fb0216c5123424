"""Campaign covers are public only while their campaign is."""

import importlib
import io
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.campaigns.models import Campaign
from groundswell.campaigns.services import create_campaign, update_campaign
from groundswell.lib.images import ProcessedImage, process_image


@pytest.fixture
def signed_in(client: Client, alice: User, org: Organisation) -> Client:
    client.force_login(alice)
    return client


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def fetch(client: Client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        return response.status_code, b"".join(response.streaming_content)
    return response.status_code, response.content


def a_cover() -> ProcessedImage:
    return process_image(io.BytesIO(testing.image_bytes(size=(1600, 900))), name="cover")


def draft_with_cover(signed_in: Client, org: Organisation) -> Campaign:
    response = signed_in.post(
        reverse("campaigns:staff_new", args=[org.slug]),
        {
            "title": "Not yet",
            "slug": "not-yet",
            "status": "draft",
            "cover_upload": SimpleUploadedFile("cover.png", testing.image_bytes(), "image/png"),
            "cover_alt": "A secret poster",
        },
    )
    assert response.status_code == 302
    return Campaign.objects.get(slug="not-yet")


def staff_cover(campaign: Campaign, size: str = "large") -> str:
    return reverse("campaigns:staff_cover", args=[campaign.pk, size])


def test_a_draft_campaigns_cover_is_not_under_the_public_root_nor_at_its_old_address(
    signed_in: Client, client: Client, org: Organisation, settings: Settings
) -> None:
    campaign = draft_with_cover(signed_in, org)
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert not campaign.cover_public
    for field in (campaign.cover, campaign.cover_small):
        assert field.name
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / field.name).is_file()
        folder = Path(field.name).parent
        assert folder.parent.as_posix() == f"campaigns/{org.pk}"
        assert len(folder.name) >= 24
    client.logout()
    assert fetch(client, campaign.cover.url)[0] == 404
    assert fetch(client, f"/media/campaigns/{org.pk}/cover.jpg")[0] == 404
    assert fetch(client, f"/media/campaigns/{org.pk}/cover-small.jpg")[0] == 404


def test_every_member_sees_a_draft_cover_through_the_staff_address(
    client: Client, org: Organisation, owner: Membership, bob: User
) -> None:
    campaign = create_campaign(
        owner, {"title": "T", "slug": "t", "status": "draft", "cover_alt": "x"}, cover=a_cover()
    )
    client.force_login(bob)
    for size, field in (("large", campaign.cover), ("small", campaign.cover_small)):
        status, body = fetch(client, staff_cover(campaign, size))
        assert status == 200
        assert body == field.read()
        field.close()
    response = client.get(staff_cover(campaign))
    assert response["Cache-Control"] == "private, no-store"
    assert fetch(client, staff_cover(campaign, "huge"))[0] == 404


def test_a_stranger_gets_404_for_the_staff_address_of_a_cover(
    client: Client, owner: Membership, charlie: User
) -> None:
    campaign = create_campaign(
        owner, {"title": "T", "slug": "t", "status": "draft", "cover_alt": "x"}, cover=a_cover()
    )
    client.force_login(charlie)
    assert fetch(client, staff_cover(campaign))[0] == 404
    assert fetch(client, staff_cover(campaign, "small"))[0] == 404
    client.logout()
    assert fetch(client, staff_cover(campaign))[0] != 200


def test_the_preview_of_a_draft_shows_its_cover_through_the_staff_address(
    signed_in: Client, org: Organisation
) -> None:
    campaign = draft_with_cover(signed_in, org)
    preview = signed_in.get(reverse("campaigns:staff_preview", args=[org.slug, campaign.pk]))
    html = preview.content.decode()
    assert f'src="{staff_cover(campaign)}"' in html
    assert f"{staff_cover(campaign, 'small')} 640w" in html
    assert "/media/campaigns/" not in html
    edit = signed_in.get(reverse("campaigns:staff_edit", args=[org.slug, campaign.pk]))
    assert staff_cover(campaign, "small") in edit.content.decode()


def test_going_live_publishes_the_cover_and_back_to_draft_withdraws_it(
    signed_in: Client, client: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    campaign = draft_with_cover(signed_in, org)
    campaign = update_campaign(owner, campaign, {"status": "live"})
    assert campaign.cover_public
    assert fetch(client, campaign.cover.url)[0] == 200
    assert fetch(client, campaign.cover_small.url)[0] == 200
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert f'src="{campaign.cover.url}"' in page
    assert campaign.cover.url.startswith("/media/campaigns/")

    campaign = update_campaign(owner, campaign, {"status": "draft"})
    assert not Campaign.objects.get(pk=campaign.pk).cover_public
    assert fetch(client, campaign.cover.url)[0] == 404
    assert fetch(client, campaign.cover_small.url)[0] == 404
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


def test_a_replaced_cover_leaves_its_public_address_and_the_disk(
    client: Client,
    owner: Membership,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    campaign = create_campaign(
        owner, {"title": "T", "slug": "t", "status": "live", "cover_alt": "x"}, cover=a_cover()
    )
    old = [campaign.cover.name, campaign.cover_small.name]
    old_url = campaign.cover.url
    assert fetch(client, old_url)[0] == 200
    with django_capture_on_commit_callbacks(execute=True):
        campaign = update_campaign(owner, campaign, {}, cover=a_cover())
    assert fetch(client, old_url)[0] == 404
    assert fetch(client, campaign.cover.url)[0] == 200
    for name in old:
        assert name
        assert not (Path(settings.PRIVATE_MEDIA_ROOT) / name).exists()
        assert not (Path(settings.MEDIA_ROOT) / name).exists()


def test_a_waiting_organisations_cover_goes_public_only_when_an_operator_approves_it(
    client: Client, charlie: User
) -> None:
    from groundswell.accounts.models import User
    from groundswell.accounts.services import approve_organisation, create_organisation

    organisation = create_organisation(name="Waiting", slug="waiting-org", owner=charlie)
    member = testing.membership(charlie, organisation)
    campaign = create_campaign(
        member, {"title": "T", "slug": "t", "status": "live", "cover_alt": "x"}, cover=a_cover()
    )
    assert not campaign.cover_public
    assert fetch(client, campaign.cover.url)[0] == 404

    operator = User.objects.create_user("olive@example.org", "x" * 20, is_staff=True)
    approve_organisation(organisation, by=operator)
    campaign.refresh_from_db()
    assert campaign.cover_public
    assert fetch(client, campaign.cover.url)[0] == 200


def test_the_migration_hides_draft_covers_and_keeps_public_addresses(
    client: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    """Before, every cover sat in MEDIA_ROOT at campaigns/<org>/<name>, draft or not."""
    migration = importlib.import_module("groundswell.campaigns.migrations.0002_private_covers")
    old = {}
    for slug, status in (("out", "live"), ("not-yet", "draft")):
        campaign = create_campaign(
            owner,
            {"title": slug, "slug": slug, "status": status, "cover_alt": "x"},
            cover=a_cover(),
        )
        names = {}
        for field in ("cover", "cover_small"):
            name = f"campaigns/{org.pk}/{slug}-{field}.jpg"
            target = Path(settings.MEDIA_ROOT) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(Path(settings.PRIVATE_MEDIA_ROOT) / getattr(campaign, field).name, target)
            names[field] = name
        old[slug] = (campaign.pk, names)
    # Remove the links today's code made, so that MEDIA_ROOT holds what it held before.
    for path in stored_files(Path(settings.MEDIA_ROOT)):
        if not path.name.startswith(("out-", "not-yet-")):
            path.unlink()
    for pk, names in old.values():
        Campaign.objects.filter(pk=pk).update(**names, cover_public=False)

    migration.make_private(apps, None)

    kept = Campaign.objects.get(pk=old["out"][0])
    assert kept.cover_public and kept.cover.name == old["out"][1]["cover"]
    assert fetch(client, kept.cover.url)[0] == 200
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / kept.cover.name).is_file()
    moved = Campaign.objects.get(pk=old["not-yet"][0])
    assert not moved.cover_public
    for field in ("cover", "cover_small"):
        assert getattr(moved, field).name != old["not-yet"][1][field]
        assert not (Path(settings.MEDIA_ROOT) / old["not-yet"][1][field]).exists()
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / getattr(moved, field).name).is_file()
    update_campaign(owner, kept, {"status": "draft"})
    assert fetch(client, kept.cover.url)[0] == 404


@pytest.mark.parametrize("how", ["one", "selected"])
def test_deleting_an_organisation_in_the_admin_deletes_its_files(
    client: Client,
    org: Organisation,
    owner: Membership,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    how: str,
) -> None:
    from groundswell.accounts.models import Organisation, User
    from groundswell.stories.services import add_image, change_state

    campaign = create_campaign(
        owner, {"title": "T", "slug": "t", "status": "live", "cover_alt": "x"}, cover=a_cover()
    )
    story = testing.make_story(owner)
    image = add_image(owner, story, a_cover(), alt_text="A picture")
    change_state(owner, story, "publish")
    urls = [campaign.cover.url, campaign.cover_small.url, image.image.url, image.small.url]
    assert all(fetch(client, url)[0] == 200 for url in urls)

    operator = User.objects.create_superuser("olive@example.org", "x" * 20)
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "one":
            response = client.post(
                reverse("admin:accounts_organisation_delete", args=[org.pk]), {"post": "yes"}
            )
        else:
            response = client.post(
                reverse("admin:accounts_organisation_changelist"),
                {"action": "delete_selected", "_selected_action": [org.pk], "post": "yes"},
            )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=org.pk).exists()
    assert all(fetch(client, url)[0] == 404 for url in urls)
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert stored_files(Path(settings.PRIVATE_MEDIA_ROOT)) == []
