from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.campaigns.models import Campaign


@pytest.fixture
def signed_in(client: Client, alice: User, org: Organisation) -> Client:
    client.force_login(alice)
    return client


def new_url(org: Organisation) -> str:
    return reverse("campaigns:staff_new", args=[org.slug])


def test_an_owner_creates_a_live_campaign_with_a_cover_and_the_public_sees_it(
    signed_in: Client, org: Organisation
) -> None:
    upload = SimpleUploadedFile("river.png", testing.image_bytes(size=(2400, 1200)), "image/png")
    response = signed_in.post(
        new_url(org),
        {
            "title": "Clean Rivers Now",
            "slug": "clean-rivers",
            "summary": "Our rivers deserve better.",
            "change_sought": "No sewage discharges by 2030.",
            "status": "live",
            **testing.date_parts("starts_on", date(2026, 1, 1)),
            **testing.date_parts("ends_on", date(2026, 12, 31)),
            "languages": ["en", "hi"],
            "cover_upload": upload,
            "cover_alt": "A river under a blue sky",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="clean-rivers")
    assert campaign.languages == ["en", "hi"]
    assert campaign.cover.name
    assert campaign.cover.name.endswith(".jpg")
    page = signed_in.get(reverse("campaigns:detail", args=[org.slug, "clean-rivers"]))
    html = page.content.decode()
    assert "No sewage discharges by 2030." in html
    assert 'alt="A river under a blue sky"' in html
    assert '<meta property="og:image" content="http://127.0.0.1:8000/media/campaigns/' in html


def test_a_duplicate_slug_gets_a_clear_message_and_keeps_what_was_typed(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    testing.make_campaign(owner, slug="clean-rivers", title="The first one")
    response = signed_in.post(
        new_url(org),
        {"title": "A second campaign", "slug": "clean-rivers", "status": "draft"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“clean-rivers” is already used in this organisation" in html
    assert 'value="A second campaign"' in html
    assert Campaign.objects.get(slug="clean-rivers").title == "The first one"


def test_the_same_slug_is_fine_in_another_organisation(
    client: Client, charlie: User, owner: Membership
) -> None:
    testing.make_campaign(owner, slug="clean-rivers")
    client.force_login(charlie)
    response = client.post(
        reverse("campaigns:staff_new", args=["charlies"]),
        {"title": "Their rivers", "slug": "clean-rivers", "status": "draft"},
    )
    assert response.status_code == 302
    assert Campaign.objects.filter(slug="clean-rivers").count() == 2


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("has spaces", "Enter a valid “slug”"),
        ("staff", "is reserved"),
        ("", "This field is required."),
        ("x" * 81, "Ensure this value has at most 80 characters"),
    ],
)
def test_bad_slugs_are_refused_with_a_message(
    signed_in: Client, org: Organisation, slug: str, message: str
) -> None:
    response = signed_in.post(new_url(org), {"title": "Something", "slug": slug, "status": "draft"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_an_end_before_the_start_is_refused(signed_in: Client, org: Organisation) -> None:
    response = signed_in.post(
        new_url(org),
        {
            "title": "T",
            "slug": "t",
            "status": "draft",
            **testing.date_parts("starts_on", date(2026, 5, 1)),
            **testing.date_parts("ends_on", date(2026, 4, 1)),
        },
    )
    assert "The end date is before the start date." in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_date_with_a_box_left_empty_is_named_the_govuk_way_and_nothing_is_stored(
    signed_in: Client, org: Organisation
) -> None:
    response = signed_in.post(
        new_url(org),
        {
            "title": "T",
            "slug": "t",
            "status": "draft",
            "starts_on_day": "1",
            "starts_on_year": "2026",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The start date must include a month" in html
    assert 'name="starts_on_day" value="1"' in html  # what they typed is kept
    assert not Campaign.objects.exists()


def test_the_edit_form_shows_the_stored_dates_in_three_boxes(
    signed_in: Client, org: Organisation
) -> None:
    signed_in.post(
        new_url(org),
        {
            "title": "T",
            "slug": "t",
            "status": "draft",
            **testing.date_parts("ends_on", date(2027, 3, 9)),
        },
    )
    campaign = Campaign.objects.get(slug="t")
    assert campaign.ends_on == date(2027, 3, 9) and campaign.starts_on is None
    html = signed_in.get(
        reverse("campaigns:staff_edit", args=[org.slug, campaign.pk])
    ).content.decode()
    for name, value in (("day", "9"), ("month", "3"), ("year", "2027")):
        assert f'name="ends_on_{name}" value="{value}"' in html
    assert 'type="date"' not in html


def test_a_cover_needs_a_description_and_must_be_an_image(
    signed_in: Client, org: Organisation
) -> None:
    image = SimpleUploadedFile("a.png", testing.image_bytes(), "image/png")
    response = signed_in.post(
        new_url(org), {"title": "T", "slug": "t", "status": "draft", "cover_upload": image}
    )
    assert "Describe the cover image for people who cannot see it." in response.content.decode()
    fake = SimpleUploadedFile("a.png", b"<script>alert(1)</script>", "image/png")
    response = signed_in.post(
        new_url(org),
        {"title": "T", "slug": "t", "status": "draft", "cover_upload": fake, "cover_alt": "x"},
    )
    assert "This file is not an image we can read." in response.content.decode()
    assert not Campaign.objects.exists()


def test_an_oversized_cover_is_refused(
    signed_in: Client, org: Organisation, settings: Settings
) -> None:
    settings.MAX_IMAGE_UPLOAD_BYTES = 10_000
    big = SimpleUploadedFile("big.png", testing.image_bytes("BMP", (400, 400)), "image/png")
    response = signed_in.post(
        new_url(org),
        {"title": "T", "slug": "t", "status": "draft", "cover_upload": big, "cover_alt": "x"},
    )
    assert "the limit is 9.8\xa0KB." in response.content.decode()
    assert not Campaign.objects.exists()


def test_editing_keeps_the_campaign_when_the_edit_is_invalid(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner, summary="Original summary")
    url = reverse("campaigns:staff_edit", args=[org.slug, campaign.pk])
    response = signed_in.post(url, {"title": "", "slug": "clean-rivers", "status": "live"})
    assert response.status_code == 200
    campaign.refresh_from_db()
    assert campaign.title == "Clean Rivers Now"
    assert campaign.summary == "Original summary"


def test_draft_campaigns_are_not_public_but_staff_can_preview_them(
    client: Client, signed_in: Client, org: Organisation, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner, status="draft")
    public_url = reverse("campaigns:detail", args=[org.slug, campaign.slug])
    assert signed_in.get(public_url).status_code == 404
    preview = signed_in.get(reverse("campaigns:staff_preview", args=[org.slug, campaign.pk]))
    assert preview.status_code == 200
    assert "Preview" in preview.content.decode()


def test_staff_list_filters_by_status_and_text(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    testing.make_campaign(owner, slug="a", title="Alpha rivers", status="live")
    testing.make_campaign(owner, slug="b", title="Beta buses", status="won")
    url = reverse("campaigns:staff_list", args=[org.slug])
    html = signed_in.get(url, {"status": "won"}).content.decode()
    assert "Beta buses" in html and "Alpha rivers" not in html
    html = signed_in.get(url, {"q": "rivers"}).content.decode()
    assert "Alpha rivers" in html and "Beta buses" not in html


def test_an_edit_through_the_form_is_saved_and_audited(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner)
    url = reverse("campaigns:staff_edit", args=[org.slug, campaign.pk])
    response = signed_in.post(
        url, {"title": "Cleaner Rivers", "slug": "clean-rivers", "status": "won"}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.title, campaign.status) == ("Cleaner Rivers", "won")
    entry = campaign.organisation.audit_entries.filter(action="campaign.update").get()
    assert entry.changes["status"] == ["live", "won"]
