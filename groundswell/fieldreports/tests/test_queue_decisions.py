"""A report's words decided in the moderation queue: what that does to the report's stage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, Role, User
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.fieldreports import services
from groundswell.fieldreports.models import FieldReport, ReportState
from groundswell.moderation import services as moderation
from groundswell.moderation.models import ModerationItem, ModerationState

pytestmark = pytest.mark.django_db
QUEUE = "/staff/alices/moderation/"


@pytest.fixture
def campaign(owner: Membership) -> Campaign:
    return testing.make_campaign(owner, title="Clean Rivers Now", slug="clean-rivers")


def _queued(campaign: Campaign, title: str = "Sewage in the Alder") -> FieldReport:
    report = services.take_report(
        campaign,
        services.ReportRequest(
            title=title,
            body="Brown water by the mill.",
            latitude=Decimal("51.50722"),
            longitude=Decimal("-0.12758"),
        ),
    )
    testing.run_periodic("submit_field_reports")
    report.refresh_from_db()
    assert report.moderation is not None
    return report


def _item(report: FieldReport) -> ModerationItem:
    assert report.moderation_id is not None
    return ModerationItem.objects.get(pk=report.moderation_id)


def test_rejecting_its_item_in_the_queue_rejects_the_report_with_the_reason(
    client: Client, owner: Membership, alice: User, campaign: Campaign
) -> None:
    report = _queued(campaign)
    client.force_login(alice)
    response = client.post(f"{QUEUE}{report.moderation_id}/reject/", {"reason": " Names  a child "})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.REJECTED
    assert report.reason == "Names a child"
    assert report.decided_at is not None
    assert not FieldReport.objects.unsubmitted().exists()
    entry = AuditEntry.objects.get(action="fieldreport.reject")
    assert entry.actor == alice and entry.summary == f"Rejected report #{report.pk}"
    assert "child" not in entry.summary
    # The review page now offers no way on: the stage is rejected for good.
    with pytest.raises(ValidationError, match="rejected cannot be verified"):
        services.review(owner, report, "verify")


def test_a_bulk_rejection_rejects_each_report_and_takes_a_published_one_down(
    client: Client, owner: Membership, alice: User, campaign: Campaign
) -> None:
    shown, fresh = _queued(campaign), _queued(campaign, "Fly-tipping on Mill Lane")
    services.review(owner, shown, "verify")
    moderation.approve(owner, _item(shown))
    services.review(owner, shown, "publish")
    assert FieldReport.objects.published().get() == shown
    client.force_login(alice)
    response = client.post(
        QUEUE,
        {"items": [shown.moderation_id, fresh.moderation_id], "action": "reject", "reason": "Spam"},
    )
    assert response.status_code == 302
    assert list(FieldReport.objects.order_by("pk").values_list("state", "reason")) == [
        (ReportState.REJECTED, "Spam"),
        (ReportState.REJECTED, "Spam"),
    ]
    assert not FieldReport.objects.published().exists()
    assert AuditEntry.objects.filter(action="fieldreport.reject").count() == 2


def test_a_report_rejected_on_its_page_stays_so_when_the_queue_rejects_it_too(
    owner: Membership, campaign: Campaign
) -> None:
    report = _queued(campaign)
    services.review(owner, report, "reject", reason="Mud, not sewage")
    assert moderation.reject(owner, _item(report), "Off topic")
    report.refresh_from_db()
    assert (report.state, report.reason) == (ReportState.REJECTED, "Mud, not sewage")
    assert AuditEntry.objects.filter(action="fieldreport.reject").count() == 1


def test_approving_in_the_queue_keeps_the_stage_and_staff_still_publish(
    client: Client, owner: Membership, alice: User, campaign: Campaign
) -> None:
    report = _queued(campaign)
    client.force_login(alice)
    assert client.post(f"{QUEUE}{report.moderation_id}/approve/").status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.NEW and report.decided_at is None
    assert _item(report).state == ModerationState.APPROVED
    assert not FieldReport.objects.published().exists()
    services.review(owner, report, "verify")
    services.review(owner, report, "publish")
    assert FieldReport.objects.published().get() == report
    # Reported by the public, then approved again: shown again, still published.
    moderation.report(_item(report), "This names my neighbour.")
    assert not FieldReport.objects.published().exists()
    moderation.approve(owner, _item(report))
    report.refresh_from_db()
    assert report.state == ReportState.PUBLISHED
    assert FieldReport.objects.published().get() == report


def test_the_words_of_a_rejected_report_cannot_be_approved(
    client: Client, owner: Membership, alice: User, campaign: Campaign
) -> None:
    report = _queued(campaign)
    services.review(owner, report, "reject", reason="Mud, not sewage")
    with pytest.raises(ValidationError, match=f"Report #{report.pk} is rejected"):
        moderation.approve(owner, _item(report))
    assert _item(report).state == ModerationState.PENDING
    client.force_login(alice)
    response = client.post(
        QUEUE, {"items": [report.moderation_id], "action": "approve"}, follow=True
    )
    assert _item(report).state == ModerationState.PENDING
    assert f"Report #{report.pk} is rejected" in response.content.decode()
    # Rejected in the queue by mistake, then approved: refused too, the stage kept.
    other = _queued(campaign, "Fly-tipping on Mill Lane")
    moderation.reject(owner, _item(other), "Spam")
    with pytest.raises(ValidationError, match="is rejected"):
        moderation.approve(owner, _item(other))
    other.refresh_from_db()
    assert other.state == ReportState.REJECTED
    assert _item(other).state == ModerationState.REJECTED


def test_a_moderator_rejecting_in_the_queue_is_the_one_audited(
    org: Organisation, campaign: Campaign
) -> None:
    mona = testing.make_user("mona@example.org", "Mona")
    moderator = testing.add_member(org, mona, Role.MODERATOR)
    report = _queued(campaign)
    moderation.reject(moderator, _item(report), "Off topic")
    report.refresh_from_db()
    assert report.state == ReportState.REJECTED
    assert AuditEntry.objects.get(action="fieldreport.reject").actor == mona
