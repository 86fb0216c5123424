"""A reporter's contact in subject access, erasure and retention; reports in analytics."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.fieldreports import services
from groundswell.fieldreports.models import FieldReport, ReporterContact
from groundswell.lib import retention
from groundswell.lib.analytics import discover as analytics_kinds
from groundswell.lib.images import process_image
from groundswell.supporters.erasure import anonymise_supporter
from groundswell.supporters.services import find_or_create_supporter
from groundswell.supporters.subject_access import subject_access_data

pytestmark = pytest.mark.django_db


def _report(owner: Membership, **extra: object) -> FieldReport:
    campaign = testing.make_campaign(owner, slug=f"c{FieldReport.objects.count()}")
    return services.take_report(
        campaign,
        services.ReportRequest(
            title="Sewage in the Alder",
            body="Brown water by the mill.",
            latitude=Decimal("51.5"),
            longitude=Decimal("-0.12"),
            **extra,  # type: ignore[arg-type]
        ),
    )


def test_a_reporter_who_gave_an_email_gets_their_reports_and_can_be_erased(
    owner: Membership,
) -> None:
    report = _report(owner, name="Nadia Brook", email="Nadia.Brook@example.net")
    supporter = find_or_create_supporter(
        owner.organisation,
        email="nadia.brook@example.net",
        email_key="nadia.brook@example.net",
        given_name="Nadia",
    )
    exported = subject_access_data(supporter)["reports_from_the_ground"]
    assert [entry["id"] for entry in exported] == [report.pk]
    assert exported[0]["contact"]["name"] == "Nadia Brook"
    assert exported[0]["place"]["grid_degrees"] == "0.01"
    anonymise_supporter(supporter)
    assert not ReporterContact.objects.exists()
    assert FieldReport.objects.filter(pk=report.pk).exists()  # the report stays, anonymous


def test_retention_deletes_old_contacts_and_rejected_reports_with_their_photos(
    owner: Membership, django_capture_on_commit_callbacks: Any
) -> None:
    photo = process_image(io.BytesIO(testing.image_bytes()), name="photo")
    kept = _report(owner, name="Kept Recent")
    old = _report(owner, name="Old Contact", photo=photo)
    services.review(owner, old, "reject", reason="Not on our patch.")
    names = old.photo_names()
    assert names
    later = timezone.now() + timedelta(days=200)
    kinds = retention.discover()
    contacts, rejected = kinds["fieldreports.contacts"], kinds["fieldreports.rejected"]
    assert contacts.count(owner.organisation, later) == {"reporters' contact details": 2}
    with django_capture_on_commit_callbacks(execute=True):  # the files go on commit
        assert rejected.run(owner.organisation, later) == {"reports": 1}
    assert contacts.run(owner.organisation, timezone.now() - timedelta(days=1)) == {
        "reporters' contact details": 0
    }
    assert list(FieldReport.objects.values_list("pk", flat=True)) == [kept.pk]
    storage = FieldReport._meta.get_field("photo").storage
    assert not any(storage.exists(name) for name in names)


def test_reports_are_counted_in_the_analytics(owner: Membership) -> None:
    report = _report(owner)
    kinds = analytics_kinds()
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    rows = list(kinds["field_report"].rows(start, end))  # type: ignore[misc]
    assert [(dims.campaign_id, n) for _day, dims, n in rows] == [(report.campaign_id, 1)]
