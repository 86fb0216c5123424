"""R2 for the listening staff forms: generated bad input never gets a 5xx; every refusal is
the form again with the GOV.UK error summary, and nothing is stored."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell.accounts.models import Membership
from groundswell.listening.models import (
    KeywordRule,
    Monitor,
    Signal,
    SignalNote,
    SignalReply,
    SignalSource,
    SignalState,
)

pytestmark = pytest.mark.django_db

JUNK = [
    "", " ", "\x00", "a\x00b", "中文", "🙂" * 40, "\u202eevil", "#", "##tag",
    "https://", "http://[::1]/", "http://0x7f.1/", "http://2130706433/", "https://a b.example/",
    "https://example.org:99999/", "javascript:alert(1)", "file:///etc/passwd", "a" * 600,
    "https://" + "a" * 600 + ".example/", "en-", "x" * 40, "<script>alert(1)</script>",
    "http://localhost/", "http://metadata.internal/",
]  # fmt: skip
text = st.sampled_from(JUNK) | st.text(max_size=80)
FORMS = {
    "/staff/alices/listening/monitors/": [
        {"kind": st.just("address"), "feed-address": text},
        {"kind": st.just("hashtag"), "tag-hashtag": text, "tag-server": text},
    ],
    "/staff/alices/listening/rules/": [
        {"name": text, "phrases": text, "exclusions": text, "language": text},
    ],
}


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    url = draw(st.sampled_from(sorted(FORMS)))
    shape = draw(st.sampled_from(FORMS[url]))
    return url, {name: draw(value) for name, value in shape.items()}


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=requests())
def test_bad_input_to_the_listening_forms_is_refused_clearly(
    client: Client, owner: Membership, sent: tuple[str, dict[str, str]]
) -> None:
    url, data = sent
    client.force_login(owner.user)
    with transaction.atomic():
        response = client.post(url, data)
        status = response.status_code
        stored = Monitor.objects.count() + KeywordRule.objects.count()
        transaction.set_rollback(True)
    assert status in (302, 400), (status, data)
    if status == 400:
        html = response.content.decode()
        assert "<title>Error:" in html and "There is a problem" in html, data
        assert stored == 0, data
    else:
        assert stored == 1, data


TRIAGE = {
    "assign/": {"assignee": text},
    "mark/": {"state": text},
    "notes/": {"text": text},
    "reply/": {"text": text, "safety_reason": text},
}


@st.composite
def triage_requests(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    action = draw(st.sampled_from(sorted(TRIAGE)))
    return action, {name: draw(value) for name, value in TRIAGE[action].items()}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=triage_requests())
def test_bad_input_to_the_triage_forms_is_refused_clearly(
    client: Client, owner: Membership, sent: tuple[str, dict[str, str]]
) -> None:
    action, data = sent
    client.force_login(owner.user)
    with transaction.atomic():
        signal = Signal.objects.create(
            organisation=owner.organisation,
            source=SignalSource.MENTION,
            external_id="https://social.example/notes/1",
            author_key="https://social.example/users/zoe",
            text="When is the march?",
        )
        response = client.post(f"/staff/alices/listening/signals/{signal.pk}/{action}", data)
        status = response.status_code
        signal.refresh_from_db()
        written = SignalNote.objects.count() + SignalReply.objects.count()
        moved = (signal.state, signal.assignee_id) != (SignalState.NEW, None)
        transaction.set_rollback(True)
    assert status in (302, 400), (status, action, data)
    if status == 400:
        html = response.content.decode()
        assert "<title>Error:" in html and "There is a problem" in html, (action, data)
        assert written == 0 and not moved, (action, data)
