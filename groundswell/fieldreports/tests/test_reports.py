"""Reports from the ground: the form, the blur, the review, and what the public sees."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from PIL import Image
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, Role
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.fieldreports import grid, services
from groundswell.fieldreports.models import FieldReport, ReportArea, ReporterContact, ReportState
from groundswell.lib.images import Box
from groundswell.moderation import services as moderation

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(owner: Membership) -> Campaign:
    return testing.make_campaign(owner, title="Clean Rivers Now", slug="clean-rivers")


def _form_url(org: Organisation, campaign: Campaign) -> str:
    return reverse("fieldreports:new", args=[org.slug, campaign.slug])


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (400, 300), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Ltd"  # Make
    exif[0x9286] = "secret comment"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _post(client: Client, url: str, **fields: Any) -> Any:
    data = {"title": "Sewage in the Alder", "body": "Brown water by the mill at 7am.", **fields}
    return client.post(url, data)


def test_it_blurs_a_point_to_the_centre_of_its_cell() -> None:
    assert grid.blur(Decimal("51.50722"), Decimal("-0.12758"), Decimal("0.01")) == (
        Decimal("51.5050"),
        Decimal("-0.1250"),
    )
    assert grid.blur(Decimal("90"), Decimal("180"), Decimal("0.01")) == (
        Decimal("89.9950"),
        Decimal("-179.9950"),
    )
    assert grid.blur(Decimal("51.5"), Decimal("-0.12"), Decimal("0.5")) == (
        Decimal("51.7500"),
        Decimal("-0.2500"),
    )
    with pytest.raises(ValueError):
        grid.blur(Decimal("91"), Decimal("0"), Decimal("0.01"))


def test_it_takes_a_report_without_javascript_and_keeps_only_the_cell(
    client: Client, org: Organisation, campaign: Campaign
) -> None:
    page = client.get(_form_url(org, campaign))
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    response = _post(
        client,
        _form_url(org, campaign),
        latitude="51.50722",
        longitude="-0.12758",
        photo=io.BytesIO(_jpeg_with_exif()),
    )
    assert response.status_code == 302
    report = FieldReport.objects.get()
    assert (report.latitude, report.longitude) == (Decimal("51.5050"), Decimal("-0.1250"))
    assert report.grid == Decimal("0.01")
    assert report.language == "en"
    assert report.state == ReportState.NEW
    assert not ReporterContact.objects.exists()
    stored = report.photo.open("rb").read()
    assert b"SpyCam" not in stored and b"secret comment" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_an_organisation_grid_is_coarser_and_areas_are_blurred_too(
    client: Client, owner: Membership, org: Organisation, campaign: Campaign
) -> None:
    services.save_setup(
        owner, cell=Decimal("0.10"), areas=[("Mill Lane", Decimal("51.5"), Decimal("-0.12"))]
    )
    area = ReportArea.objects.get()
    response = _post(client, _form_url(org, campaign), area=str(area.pk))
    assert response.status_code == 302
    report = FieldReport.objects.get()
    assert (report.latitude, report.longitude) == (Decimal("51.5500"), Decimal("-0.1500"))
    assert report.area_name == "Mill Lane"
    with pytest.raises(PermissionDenied):
        services.save_setup(owner, cell=Decimal("0.001"), areas=[])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"latitude": "123", "longitude": "0"}, "from -90 to 90"),
        ({"latitude": "51.5", "longitude": "-200"}, "from -180 to 180"),
        ({"latitude": "51.5"}, "Enter the longitude too"),
        ({}, "Say where it happened"),
        ({"latitude": "north", "longitude": "0"}, "Enter the latitude as a number"),
        ({"latitude": "NaN", "longitude": "0"}, "Enter the latitude as a number"),
        ({"latitude": "1", "longitude": "1", "email": "not-an-address"}, "exactly one @"),
        ({"latitude": "1", "longitude": "1", "phone": "call me"}, "digits only"),
    ],
)
def test_bad_input_gets_the_form_back_with_the_words_kept(
    client: Client, org: Organisation, campaign: Campaign, fields: dict[str, str], message: str
) -> None:
    response = _post(client, _form_url(org, campaign), **fields)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert "Error:" in text and "error-summary" in text
    assert "Brown water by the mill at 7am." in text
    assert not FieldReport.objects.exists()


def test_a_wrong_type_of_photo_is_refused_with_a_message(
    client: Client, org: Organisation, campaign: Campaign
) -> None:
    fake = io.BytesIO(b"%PDF-1.4 not a picture")
    fake.name = "report.pdf"
    response = _post(client, _form_url(org, campaign), latitude="1", longitude="1", photo=fake)
    assert response.status_code == 400
    assert "not an image we can read" in response.content.decode()
    assert not FieldReport.objects.exists()


def test_a_huge_photo_is_stopped_while_streaming_and_the_words_are_kept(
    client: Client, settings: Settings, org: Organisation, campaign: Campaign
) -> None:
    settings.MAX_IMAGE_UPLOAD_BYTES = 50_000
    big = io.BytesIO(b"\xff" * 200_000)
    big.name = "huge.jpg"
    response = _post(client, _form_url(org, campaign), latitude="1", longitude="1", photo=big)
    assert response.status_code == 413
    text = response.content.decode()
    assert "larger than" in text and "Brown water by the mill at 7am." in text
    assert not FieldReport.objects.exists()


def test_a_flood_from_one_connection_is_refused_with_429(
    client: Client, org: Organisation, campaign: Campaign
) -> None:
    from groundswell.fieldreports.views import REPORTS_PER_HOUR

    for _n in range(REPORTS_PER_HOUR):
        assert (
            _post(client, _form_url(org, campaign), latitude="1", longitude="1").status_code == 302
        )
    response = _post(client, _form_url(org, campaign), latitude="1", longitude="1")
    assert response.status_code == 429
    assert "Too many reports" in response.content.decode()
    assert FieldReport.objects.count() == REPORTS_PER_HOUR


def _sent(campaign: Campaign, **extra: Any) -> FieldReport:
    return services.take_report(
        campaign,
        services.ReportRequest(
            title="Sewage in the Alder",
            body="Brown water by the mill.",
            latitude=Decimal("51.50722"),
            longitude=Decimal("-0.12758"),
            language="fr",
            **extra,
        ),
    )


def _approved(owner: Membership, report: FieldReport) -> FieldReport:
    testing.run_periodic("submit_field_reports")
    report.refresh_from_db()
    assert report.moderation is not None
    moderation.approve(owner, report.moderation)
    return report


def test_review_goes_new_verified_published_each_step_audited(
    owner: Membership, campaign: Campaign
) -> None:
    report = _sent(campaign)
    with pytest.raises(ValidationError, match="cannot be published"):
        services.review(owner, report, "publish")
    services.review(owner, report, "verify")
    with pytest.raises(ValidationError, match="moderation queue"):
        services.review(owner, report, "publish")  # not yet through the queue
    _approved(owner, report)
    assert report.moderation is not None and report.moderation.language == "fr"
    assert report.moderation.author_key == f"fieldreport:{report.pk}"
    services.review(owner, report, "publish")
    assert FieldReport.objects.published().get() == report
    with pytest.raises(ValidationError, match="Say why"):
        services.review(owner, report, "reject")
    services.review(owner, report, "reject", reason="Turned out to be mud.")
    assert not FieldReport.objects.published().exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="fieldreport.")
        .order_by("pk")
        .values_list("action", "summary")
    )
    assert [a for a, _s in actions] == [
        "fieldreport.verify",
        "fieldreport.publish",
        "fieldreport.reject",
    ]
    assert all("Sewage" not in summary and "mud" not in summary for _a, summary in actions)


def test_an_analyst_cannot_review_and_a_report_this_takes_it_down(
    owner: Membership, org: Organisation, campaign: Campaign
) -> None:
    analyst = testing.add_member(org, testing.make_user("ana@example.org", "Ana"), Role.ANALYST)
    report = _sent(campaign)
    with pytest.raises(PermissionDenied):
        services.review(analyst, report, "verify")
    services.review(owner, report, "verify")
    _approved(owner, report)
    services.review(owner, report, "publish")
    assert report.moderation is not None
    moderation.report(report.moderation, "This names my neighbour.")
    assert not FieldReport.objects.published().exists()


def test_staff_blur_a_region_of_the_photo_for_good(owner: Membership, campaign: Campaign) -> None:
    photo = testing.image_bytes("PNG", (400, 300))
    from groundswell.lib.images import process_image

    report = _sent(campaign, photo=process_image(io.BytesIO(photo), name="photo"))
    old = report.photo.name
    services.edit_photo(owner, report, operation="blur", box=Box(0.1, 0.1, 0.3, 0.3))
    report.refresh_from_db()
    assert report.photo.name != old
    entry = AuditEntry.objects.get(action="fieldreport.photo_blur")
    assert entry.changes == {
        "box": [None, {"left": 10.0, "top": 10.0, "width": 30.0, "height": 30.0}]
    }


def test_the_contact_is_kept_apart_and_shown_only_to_those_who_need_it(
    client: Client, owner: Membership, org: Organisation, campaign: Campaign
) -> None:
    report = _sent(
        campaign, name="Nadia Brook", email="nadia.brook@example.net", phone="+44 7700 900123"
    )
    services.review(owner, report, "verify")
    _approved(owner, report)
    services.review(owner, report, "publish")
    contact = ReporterContact.objects.get()
    assert contact.report == report and contact.email_key == "nadia.brook@example.net"
    detail = reverse("fieldreports:staff_detail", args=[org.slug, report.pk])
    shown: dict[str, bool] = {}
    for role in (Role.OWNER, Role.EDITOR, Role.MODERATOR, Role.ANALYST, Role.SAFETY_OFFICER):
        if role == Role.OWNER:
            user = owner.user
        else:
            user = testing.make_user(f"{role}@example.org", str(role))
            testing.add_member(org, user, role)
        staff = Client()
        staff.force_login(user)
        page = staff.get(detail)
        assert page.status_code == 200
        shown[str(role)] = "nadia.brook@example.net" in page.content.decode()
    assert shown == {
        "owner": True,
        "editor": False,
        "moderator": False,
        "analyst": False,
        "safety_officer": True,
    }
    public = [
        reverse("fieldreports:list", args=[org.slug]),
        reverse("fieldreports:geojson", args=[org.slug]),
        reverse("fieldreports:csv", args=[org.slug]),
        reverse("fieldreports:feed_atom", args=[org.slug]),
        reverse("fieldreports:feed_rss", args=[org.slug]),
        reverse("fieldreports:map", args=[org.slug]),
    ]
    for url in public:
        body = client.get(url).content.decode()
        assert "Sewage in the Alder" in body or url.endswith(".svg")
        for secret in ("Nadia", "nadia.brook", "7700", "51.50722", "-0.12758"):
            assert secret not in body, (url, secret)
    assert services.forget_contact(owner, report)
    assert not ReporterContact.objects.exists()


def test_published_reports_as_geojson_csv_feed_and_map(
    client: Client, owner: Membership, org: Organisation, campaign: Campaign
) -> None:
    report = _sent(campaign)
    FieldReport.objects.filter(pk=report.pk).update(title="=cmd|' /C calc'!A0")
    services.review(owner, report, "verify")
    _approved(owner, report)
    services.review(owner, report, "publish")
    page = client.get(reverse("fieldreports:list", args=[org.slug])).content.decode()
    assert report.moderation is not None
    assert reverse("moderation:report", args=[org.slug, report.moderation.pk]) in page
    data = json.loads(client.get(reverse("fieldreports:geojson", args=[org.slug])).content)
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.125, 51.505]}
    assert feature["properties"]["grid_degrees"] == 0.01
    csv_text = client.get(reverse("fieldreports:csv", args=[org.slug])).content.decode()
    assert "'=cmd" in csv_text and "51.5050" in csv_text
    atom = client.get(reverse("fieldreports:feed_atom", args=[org.slug])).content.decode()
    assert "<georss:point>51.5050 -0.1250</georss:point>" in atom
    svg = client.get(reverse("fieldreports:map", args=[org.slug]))
    assert svg["Content-Type"] == "image/svg+xml"
    assert "<rect" in svg.content.decode() and "1 report here" in svg.content.decode()


def test_the_worker_queues_each_report_once(owner: Membership, campaign: Campaign) -> None:
    _sent(campaign)
    _sent(campaign)
    testing.run_periodic("submit_field_reports", "submit_field_reports")
    from groundswell.moderation.models import ModerationItem

    assert ModerationItem.objects.filter(kind="fieldreports.report").count() == 2
    assert not FieldReport.objects.unsubmitted().exists()
