"""The real objects the bad-input suite needs, and the URL parameters that lead to them.

Discovery fills each URL parameter from `Cast.values`: first by the URL's name (several
pages take a `token`, each a different kind), then by the parameter's name. A public URL
with a parameter found in neither cannot be reached, and the suite names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pyotp
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from groundswell import testing
from groundswell.accounts import signin, twofactor
from groundswell.accounts.models import Invitation, Membership, User, hash_token
from groundswell.actions import services as actions
from groundswell.actions.petitions import set_challenge
from groundswell.api.models import ApiToken
from groundswell.federation import moderated
from groundswell.federation.models import Interaction, OutboxActivity, RemoteActor
from groundswell.federation.tests.peers import _key, public_pem
from groundswell.ideas import links as ideas_links
from groundswell.moderation import services as moderation
from groundswell.stories.services import change_state
from groundswell.supporters import links

INVITATION_TOKEN = "invitation-token-for-the-bad-input-suite"
REMOTE = "http://127.0.0.1:9"  # nothing listens on the discard port: no request gets far


@dataclass
class Cast:
    """alice's organisation with one of everything a stranger can reach."""

    by_name: dict[str, dict[str, str]]
    by_parameter: dict[str, str]
    remote_key_id: str
    remote_actor: str
    wrong_key: rsa.RSAPrivateKey
    right_key: rsa.RSAPrivateKey
    api_token: str
    # The cookies of a visitor a page shows its form to only (by URL name): the code step
    # of a sign-in shows its form only to the session whose password was right.
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, url_name: str, parameter: str) -> str | None:
        named = self.by_name.get(url_name, {})
        if parameter in named:
            return named[parameter]
        return self.by_parameter.get(parameter)


def _token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _waiting_for_a_code() -> dict[str, str]:
    """A visitor whose password was right for an account with two-factor sign-in, at the
    code step (signin.ask_for_code), as the session cookie that carries it."""
    user = testing.make_user("otp.user@example.org", "Otto Pim")
    secret = twofactor.secret_of(twofactor.begin_setup(user))
    twofactor.confirm_setup(user, pyotp.TOTP(secret).now())
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[signin.PENDING] = {
        "user": user.pk,
        "backend": settings.AUTHENTICATION_BACKENDS[0],
        # A day ahead: the run may outlast the step's ten minutes, and must not meet the
        # "sign in again" page halfway.
        "at": twofactor.clock() + 24 * 3600,
        "next": "",
    }
    session.create()
    return {settings.SESSION_COOKIE_NAME: session.session_key or ""}


def _published_report(owner: Membership, campaign: Any) -> Any:
    """A published report from the ground with a photo, for its public photo addresses."""
    import io
    from decimal import Decimal

    from groundswell.fieldreports import services as reports
    from groundswell.lib.images import process_image

    report = reports.take_report(
        campaign,
        reports.ReportRequest(
            title="Brown water at the mill",
            body="Seen at dawn.",
            latitude=Decimal("51.5"),
            longitude=Decimal("-0.12"),
            photo=process_image(io.BytesIO(testing.image_bytes()), name="photo"),
        ),
    )
    reports.submit_waiting()
    report.refresh_from_db()
    assert report.moderation is not None
    moderation.approve(owner, report.moderation)
    reports.review(owner, report, "verify")
    reports.review(owner, report, "publish")
    return report


def _ideas(owner: Membership, campaign: Any) -> tuple[Any, Any, str]:
    """An open challenge with one idea shown (its forms to spoil) and a vote taken in."""
    from groundswell.ideas import intake, services
    from groundswell.ideas import moderated as ideas_moderated

    challenge = services.save_challenge(
        owner,
        None,
        {
            "campaign": campaign,
            "question": "What should the river fund pay for?",
            "description": "",
            "opens_at": timezone.now() - timedelta(days=1),
            "closes_at": timezone.now() + timedelta(days=30),
            "currency": "GBP",
        },
    )
    idea = services.submit_idea(
        challenge,
        services.Person(email="rosa.quint@example.net", given_name="Rosa"),
        title="Stepping stones",
        body="At the ford.",
    )
    services.confirm("idea", idea.pk)
    ideas_moderated.queue_waiting()
    idea.refresh_from_db()
    assert idea.moderation is not None
    moderation.approve(owner, idea.moderation)
    token = intake.take(idea, intake.VoteRequest(email="omar@example.net", given_name="Omar"))
    return challenge, idea, token


def make_cast(owner: Membership, charlie: User) -> Cast:
    from groundswell.api.services import issue_token
    from groundswell.listening.models import Monitor
    from groundswell.payments import services as payments
    from groundswell.payments.pledges import PledgeRequest, take_pledge

    campaign = testing.make_campaign(owner)
    petition = testing.make_petition(
        owner, campaign, collect_country=True, collect_postcode=True, collect_comment=True
    )
    # The browser check on: its challenge and proof fields are in the forms to spoil too
    # (a forged proof is a 400 with its message; none at all is taken, unverified).
    set_challenge(owner, petition, on=True)
    story = change_state(owner, testing.make_story(owner, campaign=campaign), "publish")
    signed = actions.sign_petition(
        petition,
        actions.SignatureRequest(email="rosa.quint@example.net", given_name="Rosa"),
    )
    supporter = signed.signature.supporter
    invitation = Invitation.objects.create(
        organisation=owner.organisation,
        email="new.editor@example.org",
        role="editor",
        token_hash=hash_token(INVITATION_TOKEN),
        invited_by=owner.user,
        expires_at=timezone.now() + timedelta(days=7),
    )
    activity = OutboxActivity.objects.filter(organisation=owner.organisation).first()
    right_key, wrong_key = _key(0), _key(1)
    remote = RemoteActor.objects.create(
        uri=f"{REMOTE}/users/zoe",
        key_id=f"{REMOTE}/users/zoe#main-key",
        public_key_pem=public_pem(right_key),
        inbox=f"{REMOTE}/users/zoe/inbox",
        domain="127.0.0.1",
        username="zoe",
        # Fetched and checked "tomorrow": however long the run, a bad signature naming this
        # key is refused on the spot, never handed to the worker to fetch the key again.
        fetched_at=timezone.now() + timedelta(days=1),
        key_checked_at=timezone.now() + timedelta(days=1),
    )
    # A reply shown under the story, so its "report this" form can be reached.
    reply = Interaction.objects.create(
        story=story,
        actor=remote,
        kind="reply",
        object_uri=f"{REMOTE}/users/zoe/statuses/1",
        content_html="<p>Lovely otters</p>",
        public=True,
    )
    moderated.queue_reply(reply, "en")
    assert reply.moderation is not None
    moderation.approve(owner, reply.moderation)
    api_token, raw_token = issue_token(owner, name="Bad input suite")
    # Used "tomorrow": no read during the run records a use, so a refused request with a
    # good token changes nothing (the stamp is written at most once a minute otherwise).
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now() + timedelta(days=1))
    # A feed whose hub pushes to us: the WebSub callback's address holds its token.
    pushed = Monitor.objects.create(
        organisation=owner.organisation,
        kind="feed",
        url="https://gazette.example/feed/",
        hub_url="https://hub.example/",
        websub_token="bad-input-suite-websub-token",
        websub_secret="bad-input-suite-websub-secret",
        next_attempt_at=timezone.now() + timedelta(days=1),
    )
    appeal = payments.save_appeal(
        owner,
        campaign,
        {"provider": "stripe", "currency": "GBP", "suggested": [500, 1000], "open": True},
    )
    payments.connect_provider(
        owner, provider="stripe", key_id="", api_key="sk_test_x", webhook_secret="whsec_x"
    )
    donation = payments.take_donation(
        appeal,
        payments.DonationRequest(
            email="rosa.quint@example.net",
            email_key="rosa.quint@example.net",
            given_name="Rosa",
            family_name="",
            amount=500,
            frequency="once",
        ),
    )
    promise = take_pledge(
        appeal,
        PledgeRequest(
            kind="money",
            amount=2000,
            hours=0,
            what="",
            remind_on=timezone.now().date() + timedelta(days=7),
            email="rosa.quint@example.net",
            email_key="rosa.quint@example.net",
            given_name="Rosa",
        ),
    )
    from groundswell.events import intake as event_intake
    from groundswell.events import services as events
    from groundswell.events.models import Attendance

    when = timezone.now() + timedelta(days=3)
    event = events.create_event(
        owner,
        {"campaign": campaign, "title": "Bank clean-up", "description": "Bring gloves.",
         "kind": "physical", "venue": "The weir", "starts_at": when,
         "ends_at": when + timedelta(hours=2), "time_zone": "Europe/London", "capacity": 5},
    )  # fmt: skip
    answered = event_intake.take(
        event, event_intake.RsvpRequest(email="rosa.quint@example.net", given_name="Rosa")
    )
    need, volunteer = _volunteers(owner)
    report = _published_report(owner, campaign)
    challenge, idea, voted = _ideas(owner, campaign)
    alice = owner.user
    media_file = "bad-input-suite.txt"
    (Path(settings.MEDIA_ROOT) / media_file).parent.mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / media_file).write_text("A file anyone may read.\n")
    return Cast(
        by_name={
            "actions:thanks": {"token": signed.share_token.token},
            "actions:confirm": {"token": _token_of(links.confirm_url(signed.signature.pk))},
            "supporters:unsubscribe": {"token": _token_of(links.unsubscribe_url(supporter.pk))},
            "supporters:own_data": {"token": _token_of(links.supporter_page_url(supporter.pk))},
            "supporters:erase_self": {"token": _token_of(links.supporter_page_url(supporter.pk))},
            "referrals:impact": {"token": _token_of(links.supporter_page_url(supporter.pk))},
            "accounts:invitation": {"token": INVITATION_TOKEN},
            "listening:websub": {"token": pushed.websub_token},
            "accounts:password_reset_confirm": {
                "uidb64": urlsafe_base64_encode(force_bytes(alice.pk)),
                "token": default_token_generator.make_token(alice),
            },
            "federation:nodeinfo": {"version": "2.1"},
            "campaigns:detail": {"slug": campaign.slug},
            "stories:detail": {"slug": story.slug},
            "federation:story": {"pk": str(story.pk)},
            "hub:media": {"path": media_file},
            "admin:app_list": {"app_label": "accounts"},
            "payments:donation": {"token": donation.token},
            "payments:donation_state": {"token": donation.token},
            "payments:thanks": {"token": donation.token},
            "payments:webhook": {"provider": "stripe"},
            "payments:pledge_page": {"token": promise.token},
            "events:thanks": {"token": answered.share_token},
            "events:attendance": {"token": answered.token},
            "events:cancel": {"token": answered.token},
            "events:confirm_updates": {"token": answered.token},
            "events:campaign_ics": {"slug": campaign.slug},
            "volunteers:thanks": {"token": volunteer.share_token},
            "volunteers:signup": {"token": volunteer.token},
            "ideas:voted": {"token": voted},
            "ideas:confirm": {"token": _token_of(ideas_links.confirm_url("idea", idea.pk))},
            "ideas:sent": {"what": "idea"},
        },
        by_parameter={
            "org": owner.organisation.slug,
            "org_slug": owner.organisation.slug,
            "campaign_slug": campaign.slug,
            "slug": story.slug,
            "petition_id": str(petition.pk),
            "campaign_id": str(campaign.pk),
            "story_id": str(story.pk),
            "supporter_id": str(supporter.pk),
            "person_id": str(supporter.pk),
            "signature_id": str(signed.signature.pk),
            "pk": str(owner.organisation.pk),
            "activity_uuid": str(activity.uuid) if activity else "",
            "member_id": str(owner.pk),
            "invitation_id": str(invitation.pk),
            "token_id": str(api_token.pk),
            "item_id": str(reply.moderation.pk),
            "appeal_id": str(appeal.pk),
            "donation_id": str(donation.pk),
            "event_id": str(event.pk),
            "need_id": str(need.pk),
            "signup_id": str(volunteer.pk),
            "attendance_id": str(Attendance.objects.get(token=answered.token).pk),
            "report_id": str(report.pk),
            "challenge_id": str(challenge.pk),
            "idea_id": str(idea.pk),
        },
        remote_key_id=remote.key_id or "",
        remote_actor=remote.uri,
        wrong_key=wrong_key,
        right_key=right_key,
        api_token=raw_token,
        cookies={"accounts:signin_code": _waiting_for_a_code()},
    )


def _volunteers(owner: Membership) -> tuple[Any, Any]:
    """An open need with a shift, and Rosa's sign-up on it (her page and thank-you page)."""
    from groundswell.volunteers import services as volunteers
    from groundswell.volunteers.models import Signup

    need = volunteers.create_need(
        owner,
        {"title": "Vans for the clean-up", "quantity": 4, "skills": [{"name": "Van", "wanted": 2}]},
    )
    volunteers.set_need_status(owner, need, "open")
    start = timezone.now() + timedelta(days=2)
    shift = volunteers.add_shift(
        owner, need, starts_at=start, ends_at=start + timedelta(hours=3), place="Weir", slots=2
    )
    volunteers.take_signup(
        need,
        shift,
        volunteers.SignupRequest(
            email="rosa.quint@example.net", email_key="rosa.quint@example.net", given_name="Rosa"
        ),
    )
    return need, Signup.objects.get(shift=shift)
