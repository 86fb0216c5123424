"""The staff pages: add, list and pause monitors and keyword rules (GOV.UK errors), with no
network call inside the request."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.functional import Promise
from pytest_django.fixtures import Settings as SettingsWrapper

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, Role
from groundswell.audit.models import AuditEntry
from groundswell.listening import services
from groundswell.listening.models import KeywordRule, Monitor, MonitorState, Signal

from .feedserver import FeedServer

pytestmark = pytest.mark.django_db
MONITORS = "/staff/alices/listening/monitors/"
RULES = "/staff/alices/listening/rules/"


@pytest.fixture
def staff(client: Client, owner: Membership) -> Client:
    client.force_login(owner.user)
    return client


def test_adding_an_address_fetches_nothing_and_waits_as_discovering(
    staff: Client, feeds: FeedServer
) -> None:
    response = staff.post(MONITORS, {"kind": "address", "feed-address": feeds.url("/")})

    assert response.status_code == 302
    monitor = Monitor.objects.get()
    assert (monitor.site_url, monitor.state) == (feeds.url("/"), MonitorState.DISCOVERING)
    assert feeds.requests == []
    page = staff.get(MONITORS).content.decode()
    assert "Looking for the site&#x27;s feeds" in page and feeds.url("/") in page
    assert AuditEntry.objects.filter(action="listening.monitor_added").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"feed-address": ""}, "id_feed-address", "Enter the address of a feed or a website."),
        (
            {"feed-address": "ftp://x.example/f"},
            "id_feed-address",
            "Enter an address that starts with https:// or http://",
        ),
        ({"feed-address": "not an address"}, "id_feed-address", "Enter a valid URL."),
        (
            {"feed-address": "http://192.168.0.1/feed"},
            "id_feed-address",
            "That address is on a private or local network, which we never fetch from.",
        ),
        (
            {"kind": "hashtag", "tag-hashtag": "two words", "tag-server": "https://s.example"},
            "id_tag-hashtag",
            "Enter a hashtag of letters, numbers and underscores only, like #cleanair",
        ),
        (
            {"kind": "hashtag", "tag-hashtag": "#rivers", "tag-server": "http://localhost/"},
            "id_tag-server",
            "That address is on a private or local network, which we never fetch from.",
        ),
    ],
)
def test_a_bad_monitor_is_refused_the_gov_uk_way(
    staff: Client, data: dict[str, str], field: str, message: str, settings: SettingsWrapper
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    response = staff.post(MONITORS, {"kind": "address", **data})

    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html and "There is a problem" in html
    assert f'href="#{field}"' in html and message.replace("'", "&#x27;") in html
    assert f'aria-describedby="{field}_helptext {field}_error"' in html
    assert Monitor.objects.count() == 0


def test_the_same_address_twice_is_refused(staff: Client) -> None:
    data = {"kind": "address", "feed-address": "https://news.example/feed"}
    staff.post(MONITORS, data)

    response = staff.post(MONITORS, data)

    assert response.status_code == 400
    assert "This organisation already listens to that address." in response.content.decode()
    assert Monitor.objects.count() == 1


def test_the_duplicate_message_is_translated_when_shown_not_at_import() -> None:
    # Built at import with gettext, it would keep the language of whatever loaded the module.
    assert isinstance(services.ALREADY, Promise)


def test_a_hashtag_is_added_and_paused_and_resumed(staff: Client) -> None:
    staff.post(
        MONITORS,
        {
            "kind": "hashtag",
            "tag-hashtag": "#SaveRiverLea",
            "tag-server": "https://s.example/about",
        },
    )
    monitor = Monitor.objects.get()
    assert (monitor.hashtag, monitor.server) == ("SaveRiverLea", "https://s.example")

    assert staff.post(f"{MONITORS}{monitor.pk}/pause/").status_code == 302
    monitor.refresh_from_db()
    assert monitor.state == MonitorState.PAUSED
    staff.post(f"{MONITORS}{monitor.pk}/resume/")
    monitor.refresh_from_db()
    assert monitor.state == MonitorState.ACTIVE


def test_a_failing_monitor_shows_its_reason(staff: Client, org: Organisation) -> None:
    Monitor.objects.create(
        organisation=org,
        kind="feed",
        url="https://news.example/feed",
        state=MonitorState.RESTING,
        consecutive_failures=5,
        last_error="the server says it is not there (410)",
        next_attempt_at=org.created_at,
    )

    html = staff.get(MONITORS).content.decode()

    assert "Paused after repeated failures" in html
    assert "the server says it is not there (410) (5 times in a row)" in html


def test_rules_are_added_with_clear_errors_and_paused(staff: Client) -> None:
    bad = staff.post(RULES, {"name": "Rivers", "phrases": "  \n ", "language": "english!"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "<title>Error:" in html
    assert "Enter at least one phrase." in html
    assert "Enter a language code such as en, fr or pt-BR, or leave it empty." in html
    assert 'value="Rivers"' in html  # what was typed is kept

    staff.post(RULES, {"name": "Rivers", "phrases": "clean rivers\n\n#saveriverlea\n"})
    rule = KeywordRule.objects.get()
    assert rule.phrases == "clean rivers\n#saveriverlea"
    staff.post(f"{RULES}{rule.pk}/pause/")
    rule.refresh_from_db()
    assert not rule.active


def test_an_analyst_reads_but_cannot_add(client: Client, org: Organisation) -> None:
    analyst = testing.make_user("ana@example.org", "Ana Analyst")
    testing.add_member(org, analyst, Role.ANALYST)
    client.force_login(analyst)

    page = client.get(MONITORS).content.decode()
    refused = client.post(MONITORS, {"kind": "address", "feed-address": "https://n.example/"})

    assert "Only owners and editors can add or pause monitors." in page
    assert refused.status_code == 403 and Monitor.objects.count() == 0


def test_the_signals_page_shows_what_was_heard_sanitised(staff: Client, org: Organisation) -> None:
    Signal.objects.create(
        organisation=org,
        source="feed",
        external_id="1",
        url="https://news.example/1",
        author_name="Jo Reporter",
        content_html="<p>Clean rivers now</p>",
        text="Clean rivers now",
        follower_count=12,
        language="en",
    )

    html = staff.get("/staff/alices/listening/").content.decode()

    assert "Jo Reporter" in html and "<p>Clean rivers now</p>" in html and "12 followers" in html
