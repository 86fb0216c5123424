"""The triage board: states, assigning, notes, muting, and the ways to answer a signal
(reply through approval, a draft story, a prefilled petition, the time log), each audited."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, Role
from groundswell.audit.models import AuditEntry
from groundswell.listening import signals
from groundswell.listening.models import (
    MutedSource,
    ReplyState,
    Signal,
    SignalNote,
    SignalReply,
    SignalSource,
    SignalState,
)
from groundswell.listening.parsing import Item
from groundswell.stories.models import Story

pytestmark = pytest.mark.django_db
BOARD = "/staff/alices/listening/"


def heard(org: Organisation, n: int = 1, **fields: object) -> Signal:
    values: dict[str, object] = {
        "organisation": org,
        "source": SignalSource.MENTION,
        "external_id": f"https://social.example/users/zoe/statuses/{n}",
        "url": f"https://social.example/@zoe/{n}",
        "author_name": "Zoe Walker",
        "author_handle": "@zoe@social.example",
        "author_key": "https://social.example/users/zoe",
        "text": "When is the clean rivers march? Count me in.",
        "content_html": "<p>When is the clean rivers march? Count me in.</p>",
    }
    values.update(fields)
    return Signal.objects.create(**values)


def page_of(signal: Signal) -> str:
    return f"{BOARD}signals/{signal.pk}/"


@pytest.fixture
def staff(client: Client, owner: Membership) -> Client:
    client.force_login(owner.user)
    return client


def test_the_board_shows_what_waits_and_filters_by_state(staff: Client, org: Organisation) -> None:
    waiting = heard(org, 1, title="Waiting one")
    heard(org, 2, title="Finished one", state=SignalState.DONE)

    html = staff.get(BOARD).content.decode()
    assert "Waiting one" in html and "Finished one" not in html
    assert f'href="/staff/alices/listening/signals/{waiting.pk}/reply/"' in html
    assert "Finished one" in staff.get(BOARD + "?show=done").content.decode()
    assert "Waiting one" in staff.get(BOARD + "?show=all").content.decode()
    refused = staff.get(BOARD + "?show=nonsense")
    assert refused.status_code == 400
    assert "There is no such list of signals" in refused.content.decode()


def test_assigning_to_a_colleague_and_back_to_nobody_is_audited(
    staff: Client, org: Organisation, editor: Membership
) -> None:
    signal = heard(org)

    response = staff.post(page_of(signal) + "assign/", {"assignee": editor.user_id})

    assert response.status_code == 302
    signal.refresh_from_db()
    assert (signal.state, signal.assignee) == (SignalState.ASSIGNED, editor.user)
    assert "Bob Editor" in staff.get(BOARD + "?show=assigned").content.decode()
    staff.post(page_of(signal) + "assign/", {"assignee": ""})
    signal.refresh_from_db()
    assert (signal.state, signal.assignee) == (SignalState.NEW, None)
    actions = AuditEntry.objects.filter(action="listening.signal_assigned").count()
    assert actions == 2


def test_a_stranger_cannot_be_assigned(staff: Client, org: Organisation) -> None:
    signal = heard(org)
    charlie = testing.make_user("charlie@example.org", "Charlie Stranger")

    response = staff.post(page_of(signal) + "assign/", {"assignee": charlie.pk})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a member of this organisation." in html and "error-summary" in html
    assert Signal.objects.get().assignee is None


def test_states_move_only_as_written_down(staff: Client, org: Organisation) -> None:
    signal = heard(org)
    assert staff.post(page_of(signal) + "mark/", {"state": "ignored"}).status_code == 302
    assert Signal.objects.get().state == SignalState.IGNORED

    refused = staff.post(page_of(signal) + "mark/", {"state": "answered"})

    assert refused.status_code == 400
    assert "A signal that is ignored cannot become answered." in refused.content.decode()
    assert "Open it again" in staff.get(page_of(signal)).content.decode()
    assert staff.post(page_of(signal) + "mark/", {"state": "new"}).status_code == 302
    assert staff.post(page_of(signal) + "mark/", {"state": "done"}).status_code == 302
    assert Signal.objects.get().state == SignalState.DONE
    assert staff.post(page_of(signal) + "mark/", {"state": "lost"}).status_code == 400
    assert AuditEntry.objects.filter(action="listening.signal_moved").count() == 3


def test_notes_are_kept_and_an_empty_one_is_refused_the_gov_uk_way(
    staff: Client, org: Organisation
) -> None:
    signal = heard(org)

    refused = staff.post(page_of(signal) + "notes/", {"text": "  "})
    assert refused.status_code == 400
    assert "Write the note" in refused.content.decode()
    assert refused.content.decode().count("<title>Error:") == 1

    staff.post(page_of(signal) + "notes/", {"text": "Zoe organised last year's march."})
    assert SignalNote.objects.get().text == "Zoe organised last year's march."
    assert "last year&#x27;s march" in staff.get(page_of(signal)).content.decode()
    assert AuditEntry.objects.filter(action="listening.signal_noted").exists()


def test_a_muted_source_is_ignored_now_and_when_heard_again(
    staff: Client, org: Organisation
) -> None:
    first, second = heard(org, 1), heard(org, 2)
    other = heard(org, 3, author_key="https://social.example/users/yan", author_handle="@yan")

    assert staff.post(page_of(first) + "mute/").status_code == 302

    states = dict(Signal.objects.values_list("pk", "state"))
    assert states[first.pk] == states[second.pk] == SignalState.IGNORED
    assert states[other.pk] == SignalState.NEW
    item = Item(external_id="https://social.example/users/zoe/statuses/9", title="Again!")
    later = signals.heard_one(
        org, SignalSource.MENTION, item, author_key="https://social.example/users/zoe"
    )
    assert later is not None and later.state == SignalState.IGNORED
    muted = MutedSource.objects.get()
    assert muted.label == "@zoe@social.example"
    assert "@zoe@social.example" in staff.get(f"{BOARD}monitors/").content.decode()
    assert staff.post(f"{BOARD}muted/{muted.pk}/unmute/").status_code == 302
    assert not MutedSource.objects.exists()
    assert AuditEntry.objects.filter(action="listening.source_unmuted").exists()


def test_a_reply_from_the_board_is_queued_and_the_signal_answered(
    staff: Client, org: Organisation
) -> None:
    signal = heard(org)
    assert staff.get(page_of(signal) + "reply/").status_code == 200

    response = staff.post(page_of(signal) + "reply/", {"text": "Noon, at the bridge!"})

    assert response.status_code == 302
    answer = SignalReply.objects.get()
    assert (answer.state, answer.text) == (ReplyState.QUEUED, "Noon, at the bridge!")
    assert Signal.objects.get().state == SignalState.ANSWERED
    assert AuditEntry.objects.filter(action="listening.signal_replied").exists()


def test_an_empty_reply_and_a_reply_to_a_feed_item_are_refused(
    staff: Client, org: Organisation
) -> None:
    signal = heard(org)
    empty = staff.post(page_of(signal) + "reply/", {"text": "   "})
    assert empty.status_code == 400 and "Write something to reply." in empty.content.decode()
    item = heard(org, 2, source=SignalSource.FEED, author_key="")
    refused = staff.post(page_of(item) + "reply/", {"text": "Hello"})
    assert refused.status_code == 400
    assert "Only a post on the fediverse can be answered from here." in refused.content.decode()
    assert not SignalReply.objects.exists()


def test_where_approval_is_required_an_editors_reply_waits_for_an_owner(
    client: Client, org: Organisation, owner: Membership, editor: Membership
) -> None:
    Organisation.objects.filter(pk=org.pk).update(approval_required=True)
    signal = heard(org)
    client.force_login(editor.user)
    client.post(page_of(signal) + "reply/", {"text": "Noon, at the bridge!"})
    answer = SignalReply.objects.get()
    assert answer.state == ReplyState.AWAITING
    assert Signal.objects.get().state == SignalState.NEW
    approve = f"{BOARD}replies/{answer.pk}/approve/"
    assert client.post(approve).status_code == 403

    client.force_login(owner.user)
    assert "Approve and send" in client.get(page_of(signal)).content.decode()
    assert client.post(approve).status_code == 302
    answer.refresh_from_db()
    assert (answer.state, answer.approved_by) == (ReplyState.QUEUED, owner.user)
    assert Signal.objects.get().state == SignalState.ANSWERED
    assert client.post(approve).status_code == 400  # approved already


def test_a_story_is_drafted_quoting_and_crediting_it(staff: Client, org: Organisation) -> None:
    signal = heard(org)

    response = staff.post(page_of(signal) + "story/")

    story = Story.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/alices/stories/{story.pk}/"
    assert story.state == "draft"
    assert "> When is the clean rivers march? Count me in." in story.body
    assert "[Zoe Walker](https://social.example/@zoe/1)" in story.body
    assert Signal.objects.get().story == story
    assert AuditEntry.objects.filter(action="listening.story_drafted").exists()
    assert AuditEntry.objects.filter(action="story.create").exists()


def test_the_petition_and_the_time_log_open_prefilled(
    staff: Client, org: Organisation, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner, title="Clean rivers")
    signal = heard(org, campaign=campaign)
    html = staff.get(page_of(signal)).content.decode()
    assert "/staff/alices/petitions/new/?" in html
    assert "/staff/alices/time/entries/new/?activity=listening" in html

    petition = staff.get(
        "/staff/alices/petitions/new/",
        {"title": "Clean the river", "ask": "Stop the sewage", "campaign": str(campaign.pk)},
    ).content.decode()
    assert 'value="Clean the river"' in petition and "Stop the sewage</textarea>" in petition
    entry = staff.get("/staff/alices/time/entries/new/", {"activity": "replying"}).content.decode()
    assert 'value="replying" id="id_activity_2" checked' in entry or re.search(
        r'<input[^>]*value="replying"[^>]*checked', entry
    )


def test_an_analyst_reads_the_signal_but_cannot_triage(client: Client, org: Organisation) -> None:
    analyst = testing.add_member(org, testing.make_user("ana@example.org", "Ana"), Role.ANALYST)
    signal = heard(org)
    client.force_login(analyst.user)
    html = client.get(page_of(signal)).content.decode()
    assert "When is the clean rivers march?" in html and "Mute this source" not in html
    assert client.post(page_of(signal) + "mute/").status_code == 403
    assert client.post(page_of(signal) + "reply/", {"text": "Hi"}).status_code == 403


def test_another_organisations_signal_is_not_found(client: Client, org: Organisation) -> None:
    signal = heard(org)
    charlie = testing.make_user("charlie@example.org", "Charlie")
    testing.make_organisation(charlie, name="Other", slug="other")
    client.force_login(charlie)
    assert client.get(f"/staff/other/listening/signals/{signal.pk}/").status_code == 404
    assert client.post(f"/staff/other/listening/signals/{signal.pk}/mute/").status_code == 404
