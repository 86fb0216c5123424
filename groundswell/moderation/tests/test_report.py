"""The public "report this" form: no account, clear 4xx answers, a rate limit, audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from groundswell.accounts.models import Membership, Organisation
from groundswell.audit.models import AuditEntry
from groundswell.moderation import services
from groundswell.moderation.models import ModerationItem, ModerationState, Report


@pytest.fixture
def shown(owner: Membership, submit: Callable[..., ModerationItem]) -> ModerationItem:
    item = submit("Everyone knows where Dana lives")
    services.approve(owner, item)
    return item


def url(item: ModerationItem) -> str:
    return f"/o/alices/report/{item.pk}/"


def test_a_report_takes_the_item_down_until_a_moderator_decides_again(
    client: Client, owner: Membership, shown: ModerationItem
) -> None:
    page = client.get(url(shown))
    assert page.status_code == 200
    assert "Everyone knows where Dana lives" in page.content.decode()
    response = client.post(url(shown), {"reason": "It says where a private person lives."})
    assert response.status_code == 302 and response["Location"] == "/o/alices/report/thanks/"
    assert "Thank you for your report" in client.get(response["Location"]).content.decode()
    shown.refresh_from_db()
    assert shown.state == ModerationState.PENDING and shown.reported_at is not None
    [report] = Report.objects.all()
    assert report.reason == "It says where a private person lives." and report.language == "en"
    entry = AuditEntry.objects.get(action="moderation.report")
    assert entry.actor is None and entry.target_id == str(shown.pk)
    # It is first in the queue, marked as reported, with the reporter's words.
    older = ModerationItem.objects.create(
        organisation=shown.organisation,
        kind=shown.kind,
        author_key="someone",
        screened_at=shown.screened_at,
        submitted_at=shown.submitted_at - timedelta(days=1),
    )
    assert list(ModerationItem.objects.queue()) == [shown, older]
    client.force_login(owner.user)
    html = client.get("/staff/alices/moderation/?state=reported").content.decode()
    assert "reported 1 time" in html
    assert (
        "It says where a private person lives."
        in client.get(f"/staff/alices/moderation/{shown.pk}/").content.decode()
    )
    # The moderator's next decision clears the report.
    services.approve(owner, shown)
    shown.refresh_from_db()
    assert shown.state == ModerationState.APPROVED and shown.reported_at is None


def test_the_reporters_language_is_kept(client: Client, shown: ModerationItem) -> None:
    client.post(url(shown), {"reason": "यह किसी का पता बताता है"}, HTTP_ACCEPT_LANGUAGE="hi")
    assert Report.objects.get().language == "hi"


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Tell us what is wrong with it."),
        ("   ", "Tell us what is wrong with it."),
        ("x" * 2001, "Keep your report under 2,000 characters."),
        ("bad\x00byte", "Null characters are not allowed."),
    ],
)
def test_a_bad_report_is_a_400_with_the_error_summary_and_keeps_the_words(
    client: Client, shown: ModerationItem, reason: str, message: str
) -> None:
    response = client.post(url(shown), {"reason": reason})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html and 'class="error-summary"' in html
    assert message in html and 'href="#id_reason"' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    if reason.strip() and "\x00" not in reason:
        assert reason in html
    shown.refresh_from_db()
    assert shown.state == ModerationState.APPROVED and not Report.objects.exists()


def test_only_what_is_shown_can_be_reported(
    client: Client,
    owner: Membership,
    org: Organisation,
    submit: Callable[..., ModerationItem],
    charlie: object,
) -> None:
    waiting = submit("Not shown yet")
    rejected = submit("Never shown")
    services.reject(owner, rejected, "Spam")
    for item in (waiting, rejected):
        assert client.get(url(item)).status_code == 404
        assert client.post(url(item), {"reason": "Bad"}).status_code == 404
    assert client.get("/o/alices/report/999999/").status_code == 404
    theirs = submit("Theirs", organisation=Organisation.objects.get(slug="charlies"))
    services.approve(Membership.objects.get(organisation__slug="charlies", role="owner"), theirs)
    assert client.get(f"/o/alices/report/{theirs.pk}/").status_code == 404
    assert not Report.objects.exists()


def test_reports_are_rate_limited_per_connection(
    client: Client, owner: Membership, settings: Settings, submit: Callable[..., ModerationItem]
) -> None:
    settings.REPORT_RATE_LIMIT_PER_HOUR = 2
    items = [submit(f"Shown {n}") for n in range(3)]
    for item in items:
        services.approve(owner, item)
    assert client.post(url(items[0]), {"reason": "One"}).status_code == 302
    assert client.post(url(items[1]), {"reason": ""}).status_code == 400  # counted all the same
    response = client.post(url(items[2]), {"reason": "Three"})
    assert response.status_code == 429
    assert "Too many reports from your connection" in response.content.decode()
    assert "Three" in response.content.decode()
    assert Report.objects.count() == 1
    assert [ModerationItem.objects.get(pk=i.pk).state for i in items] == [
        "pending",
        "approved",
        "approved",
    ]


def test_a_report_on_an_item_of_a_waiting_organisation_is_404(
    client: Client, org: Organisation, shown: ModerationItem
) -> None:
    Organisation.objects.filter(pk=org.pk).update(state="waiting")
    assert client.get(url(shown)).status_code == 404
