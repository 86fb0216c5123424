"""Every staff page and API endpoint, as every role: the permission table, held exactly.

The URLs come from the resolver, not from a list here, so a page added later is requested
too, and fails until accounts.models.STAFF_ACCESS says who may use it. For each URL and
each of owner, editor, moderator, analyst, safety officer, a member of another organisation
(who owns that one) and the public, the answer must be what the table and PERMISSIONS say:
allowed (below 400, and not the sign-in page), 403 for a member whose role lacks the
permission, 404 for anyone not a member (also when they put our ids under their own
organisation's address), a redirect to sign in for the public, and 401 from the API without
its token. Neither organisation's rows show on the other's pages or to its token, no
supporter's personal data shows to a role without supporters.read, and a refused request
writes to no table. Staff pages are found by their address (/staff/, /api/); a page
elsewhere that asks the public to sign in fails a test of its own.

The organisation and its rows are made once for the module; each test runs in a savepoint
rolled back after it, so writes that are allowed cannot leak into the next test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import (
    MEMBER,
    PERMISSIONS,
    PUBLIC,
    SIGNED_IN,
    STAFF_ACCESS,
    TOKEN,
    Role,
    User,
)
from groundswell.api.endpoints import TOKEN_HEADER
from groundswell.payments.models import Donation

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
FIELD = re.compile(r"{(\w+)}")  # a value of the cast's in a body (BODIES)
STAFF_PREFIXES = ("staff/", "api/")
# Each test in its own transaction, rolled back (and pytest-django sets the database up only
# for a session that has such tests).
pytestmark = pytest.mark.django_db


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield Route(f"{namespace}{entry.name}", route)


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str

    @property
    def parameters(self) -> list[str]:
        return [m["name"] for m in PARAMETER.finditer(self.pattern)]

    def path(self, values: dict[str, str]) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match["name"]
            assert name in values, (
                f"{self.name} ({self.pattern}) has a parameter “{name}” this test has no real "
                "value for: add one to the cast in tests/test_permission_matrix.py"
            )
            return values[name]

        return "/" + PARAMETER.sub(fill, self.pattern)


EVERY_ROUTE = sorted(set(_walk(get_resolver())), key=lambda r: (r.name, r.pattern))
ROUTES = [route for route in EVERY_ROUTE if route.pattern.startswith(STAFF_PREFIXES)]
# The rest, but for Django's admin (site operators, is_staff) and the two regular-expression
# routes (media files and nodeinfo, both public).
OTHER_ROUTES = [
    route for route in EVERY_ROUTE if not route.pattern.startswith((*STAFF_PREFIXES, "admin/", "^"))
]
ROLES = [Role.OWNER, Role.EDITOR, Role.MODERATOR, Role.ANALYST, Role.SAFETY_OFFICER]
CALLERS = [str(role) for role in ROLES] + ["other_organisation", "anonymous"]
PERSONAL_DATA_REFUSED = {str(role) for role in ROLES} - PERMISSIONS["supporters.read"]


def object_parameters(route: Route) -> set[str]:
    """The ids of one organisation's rows a request carries, in its address or its body:
    sent by a member of another organisation under their own address, a 404."""
    in_body = {m[1] for value in BODIES.get(route.name, {}).values() for m in FIELD.finditer(value)}
    return {name for name in [*route.parameters, *in_body] if name.endswith("_id")}


# --- The cast, made once ------------------------------------------------------------------


@dataclass
class Cast:
    values: dict[str, str]  # URL parameter → a real row of organisation A
    users: dict[str, int]  # caller → user id
    sessions: dict[str, str]  # caller → the key of a session signed in as them
    token_a: str
    token_b: str
    token_revoked: str  # one of A's, revoked
    secrets_of_a: list[str]  # text that must never reach organisation B or its token
    secrets_of_b: list[str]  # and the other way round
    personal: list[str]  # a supporter of A's: only for roles with supporters.read
    campaign_b: int


def _make_cast() -> Cast:
    from groundswell.accounts.services import invite_member
    from groundswell.actions.models import PetitionUpdate
    from groundswell.actions.services import SignatureRequest, sign_petition
    from groundswell.actions.signals import Signal
    from groundswell.api.services import issue_token, revoke_token
    from groundswell.campaigns.services import create_campaign
    from groundswell.federation import moderated
    from groundswell.federation.models import Interaction, RemoteActor
    from groundswell.ledger.services import add_entry as add_ledger_entry
    from groundswell.lib.images import process_image
    from groundswell.lib.leases import now
    from groundswell.listening.models import KeywordRule, Monitor, MutedSource, SignalReply, Spike
    from groundswell.listening.models import Signal as Heard
    from groundswell.moderation.models import HeldPhrase
    from groundswell.safety.services import add_public_figure
    from groundswell.stories.services import add_image
    from groundswell.syndication.models import ChannelAccount, ScheduledPost
    from groundswell.timelog import services as timelog

    users = {}
    alice = testing.make_user("alice@example.org", "Alice Owner")
    users["owner"] = alice.pk
    org = testing.make_organisation(
        alice, name="Alderbrook River Trust", slug="alices", approval_required=True
    )
    names = {
        Role.EDITOR: "Bob Editor",
        Role.MODERATOR: "Mo Moderator",
        Role.ANALYST: "Ana Analyst",
        Role.SAFETY_OFFICER: "Saf Officer",
    }
    for role, name in names.items():
        user = testing.make_user(f"{role}@example.org", name)
        testing.add_member(org, user, role)
        users[str(role)] = user.pk
    extra = testing.make_user("extra@example.org", "Ed Extra")
    extra_membership = testing.add_member(org, extra, Role.EDITOR)
    charlie = testing.make_user("charlie@example.org", "Charlie Stranger")
    org_b = testing.make_organisation(charlie, name="Charlie's Club", slug="charlies")
    users["other_organisation"] = charlie.pk

    owner = testing.membership(alice, org)
    owner_b = testing.membership(charlie, org_b)
    campaign = create_campaign(
        owner,
        {"title": "Clean Rivers Now", "slug": "clean-rivers", "status": "live"},
        cover=process_image(_png(), name="cover"),
    )
    petition = testing.make_petition(owner, campaign, title="Stop the sewage at Alderbrook")
    story = testing.make_story(owner, campaign=campaign)
    image = add_image(owner, story, process_image(_png(), name="river"), alt_text="The river")
    signed = sign_petition(
        petition,
        SignatureRequest(
            email="rosa.quint@example.net", given_name="Rosa", family_name="Quintavalle"
        ),
        signals=Signal.HONEYPOT,  # listed on the signals page, her name for some roles only
    )
    update = PetitionUpdate.objects.create(petition=petition, subject="News", body="We won.")
    trend, batch = _fraud(owner, petition)
    figure = add_public_figure(owner, name="Pat Minister", note="Our MP")
    invitation = invite_member(owner, email="newcomer@example.org", role=Role.ANALYST)
    token, raw_a = issue_token(owner, name="Alice's CRM")
    _, raw_b = issue_token(owner_b, name="Charlie's CRM")
    old_token, raw_revoked = issue_token(owner, name="Alice's old CRM")
    revoke_token(owner, old_token)
    account = ChannelAccount.objects.create(
        organisation=org,
        network="mastodon",
        handle="alices",
        service_url="https://example.org",
        secret_encrypted="",
        state="connected",
    )
    post = ScheduledPost.objects.create(
        organisation=org, story=story, account=account, text="Otters", scheduled_at=org.created_at
    )
    actor = RemoteActor.objects.create(
        uri="https://social.example/users/zoe",
        inbox="https://social.example/users/zoe/inbox",
        username="zoe",
        name="Zoe",
        domain="social.example",
        fetched_at=org.created_at,
    )
    interaction = Interaction.objects.create(
        story=story,
        actor=actor,
        kind="reply",
        object_uri="https://social.example/users/zoe/statuses/1",
        content_html="<p>Go rivers!</p>",
        public=True,
    )
    moderated.queue_reply(interaction, "en")  # as inbound processing does
    held = HeldPhrase.objects.create(organisation=org, phrase="sewage", created_by=alice)
    # A colleague's time entry (Ed's, whom no caller is) and a ledger entry with a petition.
    time_entry = timelog.add_entry(
        extra_membership,
        {"date": timelog.today(), "minutes": 30, "activity": "writing", "campaign": campaign},
    )
    ledger_entry = add_ledger_entry(
        owner,
        {"campaign": campaign, "petition": petition, "kind": "ask", "title": "Asked the council",
         "happened_on": timelog.today()},
    )  # fmt: skip
    monitor = Monitor.objects.create(
        organisation=org, kind="feed", url="https://gazette.example/feed/", next_attempt_at=now()
    )
    rule = KeywordRule.objects.create(organisation=org, name="Rivers", phrases="clean rivers")
    heard = Heard.objects.create(
        organisation=org, source="mention", external_id="https://gazette.example/notes/1",
        title="Rivers in the gazette", author_name="Gus Gazette",
        author_key="https://gazette.example/users/gus",
    )  # fmt: skip
    heard.rules.add(rule)
    muted = MutedSource.objects.create(
        organisation=org, key="https://noisy.example/", label="Noisy"
    )
    waiting_reply = SignalReply.objects.create(
        signal=heard, text="Thanks, Gus!", state="awaiting", written_by=extra
    )
    failed_reply = SignalReply.objects.create(
        signal=heard, text="Thanks again, Gus!", state="failed", error="the inbox answered 403"
    )
    spike = Spike.objects.create(
        organisation=org, rule=rule, window_start=now() - timedelta(hours=1), window_end=now(),
        signals=6, baseline=0, baseline_hours=336.0, expected=0.04, tail=1e-9, raised_at=now(),
    )  # fmt: skip
    # Organisation B has rows of its own, so its pages are not simply empty.
    campaign_b = testing.make_campaign(owner_b, title="Quiet Streets Now", slug="quiet-streets")
    petition_b = testing.make_petition(owner_b, campaign_b, title="Slow down on Fenwick Road")
    testing.make_story(owner_b, campaign=campaign_b, title="Fenwick Road at night", slug="night")
    sign_petition(petition_b, SignatureRequest(email="omar.vale@example.net", given_name="Omar"))
    add_ledger_entry(
        owner_b,
        {"campaign": campaign_b, "petition": petition_b, "kind": "delivery", "public": True,
         "title": "Slow down on Fenwick Road: handed in", "happened_on": timelog.today()},
    )  # fmt: skip
    timelog.add_entry(owner_b, {"date": timelog.today(), "minutes": 20, "activity": "replying",
                                "campaign": campaign_b})  # fmt: skip
    from groundswell.payments import services as payments

    appeal = payments.save_appeal(
        owner, campaign, {"provider": "stripe", "currency": "GBP", "suggested": [500]}
    )
    gift = payments.take_donation(
        appeal,
        payments.DonationRequest(
            email="rosa.quint@example.net",
            email_key="rosa.quint@example.net",
            given_name="Rosa",
            family_name="Quintavalle",
            amount=500,
            frequency="once",
        ),
    )
    Donation.objects.filter(pk=gift.pk).update(state="paid", supporter=signed.signature.supporter)
    from groundswell.events import services as events

    when = timezone.now() + timedelta(days=3)
    event = events.create_event(
        owner,
        {"campaign": campaign, "title": "Alderbrook bank clean-up", "description": "Gloves.",
         "kind": "physical", "venue": "Alderbrook weir", "starts_at": when,
         "ends_at": when + timedelta(hours=2), "time_zone": "Europe/London", "capacity": 10},
    )  # fmt: skip
    from groundswell.events.models import Attendance

    attendee = Attendance.objects.create(
        organisation=org, event=event, email="rosa.quint@example.net", given_name="Rosa",
        family_name="Quintavalle", email_key="rosa.quint@example.net", state="going",
    )  # fmt: skip
    need, volunteer = _volunteers(owner)
    report = _field_report(campaign)
    challenge, idea = _ideas(owner, campaign)
    values = {
        "event_id": str(event.pk),
        "attendance_id": str(attendee.pk),
        "report_id": str(report.pk),
        "appeal_id": str(appeal.pk),
        "donation_id": str(gift.pk),
        "org": org.slug,
        "petition_id": str(petition.pk),
        "campaign_id": str(campaign.pk),
        "story_id": str(story.pk),
        "image_id": str(image.pk),
        "size": "large",
        "member_id": str(extra_membership.pk),
        "invitation_id": str(invitation.pk),
        "token_id": str(token.pk),
        "account_id": str(account.pk),
        "post_id": str(post.pk),
        "interaction_id": str(interaction.pk),
        "item_id": str(interaction.moderation_id),
        "phrase_id": str(held.pk),
        "monitor_id": str(monitor.pk),
        "rule_id": str(rule.pk),
        "signal_id": str(heard.pk),
        "spike_id": str(spike.pk),
        "muted_id": str(muted.pk),
        "reply_id": str(waiting_reply.pk),
        "failed_reply_id": str(failed_reply.pk),
        "update_id": str(update.pk),
        "figure_id": str(figure.pk),
        "verb": "approve",
        "supporter_id": str(signed.signature.supporter_id),
        "person_id": str(signed.signature.supporter_id),
        "signature_id": str(signed.signature.pk),
        "table": "channels",
        "entry_id": str(time_entry.pk),
        "ledger_entry_id": str(ledger_entry.pk),
        "campaign": str(campaign.pk),  # in the measure forms' bodies
        "trend_id": str(trend.pk),
        "batch_id": str(batch.pk),
        "need_id": str(need.pk),
        "signup_id": str(volunteer.pk),
        "challenge_id": str(challenge.pk),
        "idea_id": str(idea.pk),
    }
    secrets = ["rosa.quint@example.net", "Stop the sewage at Alderbrook", "Alderbrook River"]
    secrets_b = [
        "omar.vale@example.net",
        "Slow down on Fenwick Road",
        "Quiet Streets Now",
        "Fenwick Road at night",
    ]
    # Signing in once per caller, not per test, saves a session write and a query each time.
    sessions = {}
    for caller, pk in users.items():
        client = Client()
        client.force_login(User.objects.get(pk=pk))
        sessions[caller] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    personal = ["rosa.quint@example.net", "Quintavalle"]
    return Cast(
        values=values,
        users=users,
        sessions=sessions,
        token_a=raw_a,
        token_b=raw_b,
        token_revoked=raw_revoked,
        secrets_of_a=secrets,
        secrets_of_b=secrets_b,
        personal=personal,
        campaign_b=campaign_b.pk,
    )


def _fraud(owner: Any, petition: Any) -> tuple[Any, Any]:
    """A trend of A's and an invalidation of one of its signatures."""
    from django.utils import timezone

    from groundswell.actions.services import SignatureRequest, sign_petition
    from groundswell.fraud.criteria import Choice
    from groundswell.fraud.models import Trend
    from groundswell.fraud.services import invalidate

    network = "203.0.113.0/24"
    now = timezone.now()
    sign_petition(
        petition, SignatureRequest(email="bot@example.net", given_name="B", network=network)
    )
    trend = Trend.objects.create(
        organisation=owner.organisation, kind="network", source=network, window_start=now,
        window_end=now, signatures=12, window_total=12, baseline_share=0.005, expected=0.06,
        tail=1e-20, raised_at=now,
    )  # fmt: skip
    batch = invalidate(owner, Choice("network", network=network), reason="A bot.", previewed=1)
    return trend, batch


def _volunteers(owner: Any) -> tuple[Any, Any]:
    """A need of A's with a shift and Rosa's sign-up, placed as the worker would."""
    from datetime import timedelta

    from groundswell.volunteers import services as volunteers
    from groundswell.volunteers.models import Signup

    need = volunteers.create_need(owner, {"title": "Vans for the clean-up", "quantity": 4})
    start = timezone.now() + timedelta(days=2)
    shift = volunteers.add_shift(
        owner, need, starts_at=start, ends_at=start + timedelta(hours=3), place="Weir", slots=2
    )
    volunteers.take_signup(
        need,
        shift,
        volunteers.SignupRequest(
            email="rosa.quint@example.net",
            email_key="rosa.quint@example.net",
            given_name="Rosa",
            family_name="Quintavalle",
        ),
    )
    signup = Signup.objects.get(shift=shift)
    Signup.objects.filter(pk=signup.pk).update(state="confirmed")
    return need, signup


def _field_report(campaign: Any) -> Any:
    """A report from the ground with a photo and its reporter's contact."""
    from decimal import Decimal

    from groundswell.fieldreports.services import ReportRequest, take_report
    from groundswell.lib.images import process_image

    return take_report(
        campaign,
        ReportRequest(
            title="Brown water at the mill",
            body="Seen at dawn.",
            latitude=Decimal("51.5"),
            longitude=Decimal("-0.12"),
            photo=process_image(_png(), name="photo"),
            name="Nadia Brook",
            email="nadia.brook@example.net",
        ),
    )


def _png() -> Any:
    import io

    return io.BytesIO(testing.image_bytes())


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(scope="module")
def cast(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, media_root: Path
) -> Iterator[Cast]:
    media = {
        "MEDIA_ROOT": media_root / "public",
        "PRIVATE_MEDIA_ROOT": media_root / "private",
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    }
    with django_db_blocker.unblock(), override_settings(**media), transaction.atomic():
        yield _make_cast()
        transaction.set_rollback(True)


@pytest.fixture
def world(cast: Cast, settings: Settings, media_root: Path) -> Cast:
    """The module's cast; the django_db mark rolls this test's writes back after it."""
    settings.MEDIA_ROOT = media_root / "public"
    settings.PRIVATE_MEDIA_ROOT = media_root / "private"
    # The demo's outbox is a staff page only where mail goes to it.
    settings.MAILERS = {"default": {"BACKEND": "groundswell.notifications.backends.OutboxBackend"}}
    return cast


# --- What the table expects -----------------------------------------------------------------

ALLOWED = "allowed"
SIGN_IN = "sign in"


def expectation(requirement: str, caller: str) -> int | str:
    if requirement == PUBLIC:
        return ALLOWED
    if requirement == TOKEN:
        return 401  # a browser's session is no API token
    if caller == "anonymous":
        return SIGN_IN
    if requirement == SIGNED_IN:
        return ALLOWED
    if caller == "other_organisation":
        return 404
    if requirement == MEMBER:
        return ALLOWED
    assert requirement in PERMISSIONS, f"“{requirement}” is not a key of PERMISSIONS"
    return ALLOWED if caller in PERMISSIONS[requirement] else 403


def outcome(response: Any) -> int | str:
    status: int = response.status_code
    if status == 302 and reverse("accounts:login") in response["Location"]:
        return SIGN_IN
    if status < 400:
        return ALLOWED
    return status


def _ideas(owner: Any, campaign: Any) -> tuple[Any, Any]:
    """A challenge of organisation A with one idea waiting for its author's confirmation."""
    from groundswell.ideas import services as ideas

    challenge = ideas.save_challenge(owner, None, CHALLENGE_DATA | {"campaign": campaign})
    idea = ideas.submit_idea(
        challenge,
        ideas.Person(email="rosa.quint@example.net", given_name="Rosa"),
        title="Stepping stones",
        body="At the ford.",
    )
    return challenge, idea


CHALLENGE_DATA: dict[str, Any] = {
    "question": "What should the river fund pay for?",
    "description": "",
    "opens_at": timezone.now(),
    "closes_at": timezone.now() + timedelta(days=30),
    "currency": "GBP",
}
CHALLENGE_FORM = {
    "question": "What next for the river?",
    "opens_at": "2026-01-01T09:00",
    "closes_at": "2027-01-01T09:00",
    "currency": "GBP",
    "updates_text": "Email me about ideas I took part in.",
}


# Pages that answer 400 to a GET without their query (and a region to preview, not apply:
# applying deletes the old picture's file, which no rollback brings back).
REGION = {"operation": "blur", "left": "20", "top": "30", "width": "40", "height": "20"}
TODAY = timezone.localdate()
DAY = {"day": str(TODAY.day), "month": str(TODAY.month), "year": str(TODAY.year)}
TIME_ENTRY = {"minutes": "15", "activity": "writing", **{f"date_{k}": v for k, v in DAY.items()}}
LEDGER_ENTRY = {"campaign": "{campaign}", "kind": "ask", "title": "Asked again",
                **{f"happened_on_{k}": v for k, v in DAY.items()}}  # fmt: skip
EVENT = {"campaign": "{campaign}", "title": "River walk", "description": "Boots.",
         "kind": "physical", "venue": "The weir", "capacity": "5", "start_time": "10:00",
         "end_time": "12:00", "time_zone": "Europe/London",
         **{f"day_{k}": v for k, v in DAY.items()}}  # fmt: skip
# Bodies for writes whose permission depends on what is sent; everything else gets none.
# "{name}" stands for the cast's value of that name.
BODIES: dict[str, dict[str, str]] = {
    "moderation:queue": {"items": "{item_id}", "action": "approve"},
    "moderation:phrases": {"phrase": "Mill Lane"},
    "listening:monitors": {
        "kind": "hashtag",
        "tag-hashtag": "rivers",
        "tag-server": "https://x.example",
    },
    "listening:rules": {"name": "Mills", "phrases": "Mill Lane"},
    "listening:move": {"state": "done"},
    "listening:note": {"text": "Gus writes for the gazette."},
    "listening:reply": {"text": "Thanks, Gus!"},
    "accounts:switch": {"org": "alices"},
    "actions:staff_challenge": {"challenge": "on"},
    "safety:allowlist": {"remove": "{figure_id}"},
    "stories:staff_transition": {"action": "submit"},
    "stories:staff_image_region": REGION,
    "campaigns:staff_cover_region": REGION,
    "fieldreports:staff_photo_region": REGION,
    "fieldreports:staff_detail": {"action": "verify"},
    "fieldreports:staff_setup": {"grid": "0.05", "areas": "Mill Lane, 51.5, -0.12"},
    # The measure forms answer 400 to what they refuse (R2), so the matrix sends what they
    # take. A campaign of another organisation in the body is refused by the form's own
    # choices, with the reason (groundswell/timelog and ledger tests).
    "timelog:timer_start": {"activity": "writing"},
    "timelog:entry_new": TIME_ENTRY,
    "timelog:entry": TIME_ENTRY,
    "timelog:budget": {"minutes": "60"},
    "ledger:entry_new": LEDGER_ENTRY,
    "ledger:entry": LEDGER_ENTRY,
    "ledger:report": {"subject": "We handed it in", "body": "Thank you all."},
    "events:staff_new": EVENT,
    "events:staff_edit": EVENT,
    "events:staff_attendees": {"attendance": "{attendance_id}", "arrived": "on"},
    # A preview, which writes nothing: the form's own errors are a 400 with the summary.
    "fraud:invalidate": {"criterion": "domain", "domain": "example.net", "reason": "A bot."},
    "volunteers:staff_need_status": {"status": "open"},
    "ideas:staff_new": CHALLENGE_FORM,
    "ideas:staff_challenge": CHALLENGE_FORM,
    "ideas:staff_idea": {"status": "under_review", "reason": "We are looking at it."},
}
UPLOADS = frozenset({"stories:staff_image_add"})
QUERIES: dict[str, dict[str, str]] = {
    "stories:staff_image_region_preview": REGION,
    "campaigns:staff_cover_region_preview": REGION,
    "fieldreports:staff_photo_region_preview": REGION,
}
JSON_BODIES: dict[str, dict[str, Any]] = {
    name: {
        "person": {
            "given_name": "Nia",
            "email_addresses": [{"address": "nia.holt@example.net", "primary": True}],
        }
    }
    for name in ("api:osdi:record_signature_helper", "api:osdi:record_signature_helper_preflight")
}
# Forms that answer every refusal with 400 and that no body sent from here can pass (a code
# from the caller's own authenticator): for a caller the table allows, a 400 means the form
# was read, past the access check.
READ_PAST_ACCESS = frozenset({"accounts:two_factor_setup"})
JSON_BODIES["api:osdi:record_attendance_helper"] = {
    "person": {"given_name": "Nia", "email_addresses": [{"address": "nia.holt@example.net"}]},
}
JSON_BODIES["api:osdi:record_donation_helper"] = {
    "identifiers": ["crm:matrix-1"],
    "amount": "12.50",
    "person": {"given_name": "Nia", "email_addresses": [{"address": "nia.holt@example.net"}]},
}
# Written on any request by the framework, not by the view: the session, and the throttles.
IGNORED_TABLES = frozenset({"django_session"})
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)', re.I)


class Writes(CaptureQueriesContext):
    """The tables a request wrote to: a refused request must write to none of ours.

    Cheaper than comparing every table before and after, and stricter: a write the view
    made before refusing counts even if a later rollback undid it.
    """

    def __init__(self, ignore: frozenset[str] | set[str] = frozenset()) -> None:
        super().__init__(connection)
        self.ignore = IGNORED_TABLES | ignore

    @property
    def tables(self) -> set[str]:
        found = (WRITE.match(query["sql"]) for query in self.captured_queries)
        return {m[1] for m in found if m and m[1] not in self.ignore}


def send(client: Client, method: str, route: Route, values: dict[str, str], **headers: str) -> Any:
    """The request the matrix makes: `values` fill the address and any ids in the body."""
    path, name = route.path(values), route.name
    if method == "GET":
        return client.get(path, QUERIES.get(name), headers=headers)
    if name in UPLOADS:
        picture = SimpleUploadedFile("otter.png", testing.image_bytes(), "image/png")
        return client.post(path, {"image": picture, "alt_text": "An otter"}, headers=headers)
    if name in JSON_BODIES:
        body = json.dumps(JSON_BODIES[name])
        return client.generic(method, path, body, "application/json", headers=headers)
    fields = {key: value.format(**values) for key, value in BODIES.get(name, {}).items()}
    body = urlencode(fields)
    return client.generic(method, path, body, "application/x-www-form-urlencoded", headers=headers)


def client_for(caller: str, world: Cast) -> Client:
    client = Client(raise_request_exception=True)
    if caller != "anonymous":
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world.sessions[caller]
    return client


def shown(response: Any, secrets: list[str]) -> list[str]:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    return [text for text in secrets if text in body]


def unlisted_answers(seen: dict[str, int | str]) -> set[int | str]:
    """What a method the table leaves out may answer, given what the listed ones did.

    Someone refused the listed methods must be refused the same way (or get 405): another
    method is no way round the check. Someone allowed may also get 400 or 404 (a page that
    reads its query, or has nothing for that method).
    """
    if not seen:
        return {404, 405}
    if ALLOWED in seen.values():
        return {400, 404, 405, *seen.values()}
    return {405, *seen.values()}


def check(client: Client, route: Route, world: Cast, caller: str) -> list[str]:
    """Each method the table lists, and GET and POST whether listed or not: what went wrong."""
    table = STAFF_ACCESS[route.name]
    path = route.path(world.values)
    problems = []
    seen: dict[str, int | str] = {}
    for method in sorted(table):
        want = expectation(table[method], caller)
        with Writes() as writes:
            response = send(client, method, route, world.values)
        got = outcome(response)
        if got == 400 and route.name in READ_PAST_ACCESS:
            got = ALLOWED
        seen[method] = got
        # Each side's rows stay on its side, whatever the page lists or offers to choose.
        secrets = world.secrets_of_a if caller == "other_organisation" else world.secrets_of_b
        if leaked := shown(response, secrets):
            problems.append(f"{caller} {method} {path}: shows the other organisation's {leaked}")
        if caller in PERSONAL_DATA_REFUSED and (leaked := shown(response, world.personal)):
            problems.append(f"{caller} {method} {path}: shows a supporter's {leaked}")
        if got != want:
            problems.append(f"{caller} {method} {path}: expected {want}, got {got}")
        if want != ALLOWED and writes.tables:
            problems.append(f"{caller} {method} {path}: refused, yet wrote to {writes.tables}")
    for method in ("GET", "POST"):
        if method in table:
            continue
        with Writes() as writes:
            got = outcome(send(client, method, route, world.values))
        if got not in unlisted_answers(seen):
            problems.append(
                f"{caller} {method} {path}: not in the table, so expected one of "
                f"{unlisted_answers(seen)} (the listed methods answer {seen}), got {got}"
            )
        if writes.tables:
            problems.append(
                f"{caller} {method} {path}: not in the table, yet wrote to {writes.tables}"
            )
    return problems


# --- The tests ------------------------------------------------------------------------------


def test_the_walk_finds_staff_pages_and_api_endpoints() -> None:
    names = {route.name for route in ROUTES}
    assert {"hub:dashboard", "stories:staff_edit", "api:osdi:people", "api:tokens"} <= names
    assert len(ROUTES) > 50


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_staff_url_has_an_entry_in_the_table(route: Route) -> None:
    assert route.name in STAFF_ACCESS, (
        f"{route.name} (/{route.pattern}) is not in accounts.models.STAFF_ACCESS: say there "
        "which permission (or MEMBER, SIGNED_IN, TOKEN, PUBLIC) each of its methods needs"
    )


def test_the_table_names_no_url_that_is_gone_and_no_unknown_permission() -> None:
    names = {route.name for route in ROUTES}
    known = set(PERMISSIONS) | {MEMBER, SIGNED_IN, TOKEN, PUBLIC}
    assert set(STAFF_ACCESS) <= names, set(STAFF_ACCESS) - names
    for name, methods in STAFF_ACCESS.items():
        assert set(methods.values()) <= known, name


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_each_caller_gets_what_the_table_says(world: Cast, route: Route, caller: str) -> None:
    if route.name not in STAFF_ACCESS:
        pytest.fail(f"{route.name} has no entry in STAFF_ACCESS")
    client = client_for(caller, world)
    problems = check(client, route, world, caller)
    if caller == "other_organisation" and "org" in route.parameters and object_parameters(route):
        # Organisation A's ids under the stranger's own organisation's address: as the
        # owner there, every permission passes, so only the lookup can refuse.
        values = {**world.values, "org": "charlies"}
        problems += _as_owner_elsewhere(client, route, values)
    assert not problems, "\n".join(problems)


def _as_owner_elsewhere(client: Client, route: Route, values: dict[str, str]) -> list[str]:
    path = route.path(values)
    problems = []
    in_address = any(name.endswith("_id") for name in route.parameters)
    for method in sorted(STAFF_ACCESS[route.name]):
        if method == "GET" and not in_address:
            continue  # the ids are in the body: without them, this is their own page
        with Writes() as writes:
            got = outcome(send(client, method, route, values))
        if got != 404:
            problems.append(f"owner of another organisation {method} {path}: expected 404, {got}")
        if writes.tables:
            problems.append(f"owner of another organisation {method} {path}: wrote {writes.tables}")
    return problems


API_ROUTES = [route for route in ROUTES if route.pattern.startswith("api/")]


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.name)
def test_an_api_token_reaches_only_its_own_organisations_rows(world: Cast, route: Route) -> None:
    if route.name not in STAFF_ACCESS:
        pytest.fail(f"{route.name} has no entry in STAFF_ACCESS")
    client = Client(raise_request_exception=True)
    path = route.path(world.values)
    has_ids = bool(object_parameters(route))
    problems = []
    for method, requirement in sorted(STAFF_ACCESS[route.name].items()):
        if method == "OPTIONS":
            continue  # a preflight carries no token, by the CORS rules
        for who, token in (("token of A", world.token_a), ("token of B", world.token_b)):
            # Authenticating notes when a token was last used: a write to its own row.
            with Writes(ignore={"api_apitoken"}) as writes:
                response = send(client, method, route, world.values, **{TOKEN_HEADER: token})
            got = outcome(response)
            if who == "token of A" or not has_ids:
                want: int | str = ALLOWED
            else:
                # B's token may sign only B's petitions (403); it may read nothing of A's.
                want = 403 if requirement == PUBLIC else 404
            if got != want:
                problems.append(f"{who} {method} {path}: expected {want}, got {got}")
            if who == "token of B":
                if leaked := shown(response, world.secrets_of_a):
                    problems.append(f"{who} {method} {path}: shows A's {leaked}")
                if want != ALLOWED and writes.tables:
                    problems.append(f"{who} {method} {path}: refused, yet wrote {writes.tables}")
        if requirement == TOKEN:
            for who, token in (
                ("a made-up token", "gs_not-a-token"),
                ("a revoked token", world.token_revoked),
            ):
                got = outcome(send(client, method, route, world.values, **{TOKEN_HEADER: token}))
                if got != 401:
                    problems.append(f"{who} {method} {path}: expected 401, got {got}")
    assert not problems, "\n".join(problems)


def test_the_leak_check_would_see_organisation_as_rows(world: Cast) -> None:
    """What B's token must never see is what A's token does see: the check is not vacuous."""
    client = Client()
    headers = {TOKEN_HEADER: world.token_a}
    people = client.get(reverse("api:osdi:people"), headers=headers)
    petitions = client.get(reverse("api:osdi:petitions"), headers=headers)
    assert shown(people, world.secrets_of_a) == ["rosa.quint@example.net"]
    assert "Stop the sewage at Alderbrook" in shown(petitions, world.secrets_of_a)
    client.force_login(User.objects.get(pk=world.users["owner"]))
    assert "Alderbrook River" in shown(client.get("/staff/alices/"), world.secrets_of_a)
    supporters = client.get(reverse("supporters:staff_list", args=["alices"]))
    assert shown(supporters, world.personal) == world.personal


@pytest.mark.parametrize(
    ("name", "model_path"),
    [("stories:staff_new", "stories.Story"), ("actions:staff_new", "actions.Petition")],
)
def test_a_writer_cannot_hang_a_new_row_on_another_organisations_campaign(
    world: Cast, name: str, model_path: str
) -> None:
    """A sample of the writes allowed roles make: the form offers only the organisation's
    own campaigns, and refuses another organisation's id sent by hand."""
    model = apps.get_model(model_path)
    client = client_for("editor", world)
    response = client.post(
        reverse(name, args=["alices"]),
        {"title": "Borrowed campaign", "slug": "borrowed", "campaign": str(world.campaign_b)},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not model._default_manager.filter(
        campaign_id=world.campaign_b, title__startswith="Borrowed"
    ).exists()


def test_no_page_outside_staff_and_api_asks_the_public_to_sign_in(db: None) -> None:
    """Discovery takes staff pages by their address; one put elsewhere would go unchecked.

    Sign-in comes before any lookup, so placeholder values do for the parameters: a page
    that sends the public to sign in, whatever it is asked, is a staff page.
    """
    client = Client(raise_request_exception=False)
    placeholders = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001"}

    def fill(match: re.Match[str]) -> str:
        return placeholders.get(match["converter"] or "", "x")

    found = [
        f"{method} /{route.pattern} ({route.name})"
        for route in OTHER_ROUTES
        for method in ("GET", "POST")
        if outcome(client.generic(method, "/" + PARAMETER.sub(fill, route.pattern))) == SIGN_IN
    ]
    assert not found, (
        "These pages send the public to sign in but are outside /staff/, so the permission "
        "matrix does not check them: add their prefix to STAFF_PREFIXES in this file (and an "
        f"entry for each to STAFF_ACCESS), or move them under /staff/: {found}"
    )


@pytest.mark.parametrize("caller", [str(role) for role in ROLES])
@pytest.mark.parametrize(
    ("action", "state", "permission"),
    [("submit", "draft", "content.write"), ("approve", "in_review", "content.approve"),
     ("publish", "draft", "content.approve"), ("return", "approved", "content.approve")],
)  # fmt: skip
def test_each_move_of_a_story_needs_its_own_permission(
    world: Cast, caller: str, action: str, state: str, permission: str
) -> None:
    """The matrix submits; the workflow's other moves each name their own permission, and
    the organisation here requires approval, so approving is an owner's alone."""
    from groundswell.stories.models import Story

    story = Story.objects.filter(pk=world.values["story_id"])
    story.update(state=state)
    path = reverse("stories:staff_transition", args=["alices", world.values["story_id"]])
    with Writes() as writes:
        response = client_for(caller, world).post(path, {"action": action})
    moved = story.get().state != state
    if caller in PERMISSIONS[permission]:
        assert (response.status_code, moved) == (302, True)
    else:
        assert (response.status_code, moved, writes.tables) == (403, False, set())
