"""Audit summaries name objects by kind and number, never by their words.

A title, a name, a subject or a handle can name a private person, and the log keeps what it
holds for years (the retention kind "audit.log"), after the object itself was edited or
erased. So the walk below goes through every audited path of the staff that creates
something (and the changes that follow from it) with one made-up name written into each
free-text field, then reads every summary the log holds.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pyotp
import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts import services as accounts
from groundswell.accounts import twofactor
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions import petitions
from groundswell.api import services as api
from groundswell.audit.models import AuditEntry
from groundswell.campaigns import services as campaigns
from groundswell.federation import moderated
from groundswell.federation import services as federation
from groundswell.federation.models import Interaction, RemoteActor
from groundswell.lib.images import BLUR, Box, process_image
from groundswell.moderation import services as moderation
from groundswell.safety import services as safety
from groundswell.stories import services as stories
from groundswell.stories.models import Story
from groundswell.syndication import services as syndication

NAME = "Zebulon Quillfeather"  # made up: nobody of that name is meant
SLUG = "quillfeather"
EMAIL = "zebulon.quillfeather@example.org"
# Fields that identify rather than describe: an API token's visible prefix names it the way
# its number does (the tokens page shows it so).
IDENTIFIERS = {("apitoken", "prefix")}


def _walk(owner: Membership) -> None:
    """Every audited staff path that makes something, with NAME in its words."""
    campaign = campaigns.create_campaign(
        owner, {"title": f"Rivers for {NAME}", "slug": SLUG, "status": "live"}
    )
    campaigns.update_campaign(owner, campaign, {"summary": f"What {NAME} saw."})
    cover = process_image(io.BytesIO(testing.image_bytes()), name="cover")
    campaigns.update_campaign(owner, campaign, {}, cover=cover)
    campaigns.edit_cover(owner, campaign, operation=BLUR, box=Box(0.1, 0.1, 0.2, 0.2))
    story = testing.make_story(owner, title=f"{NAME} at the river", slug=SLUG, campaign=campaign)
    stories.update_story(owner, story, {"summary": f"{NAME} walked the bank."})
    picture = process_image(io.BytesIO(testing.image_bytes()))
    image = stories.add_image(owner, story, picture, alt_text=f"{NAME} by the water")
    stories.set_cover(owner, story, image)
    stories.edit_image(owner, story, image, operation=BLUR, box=Box(0.1, 0.1, 0.2, 0.2))
    story = stories.change_state(owner, story, "publish")
    petition = testing.make_petition(owner, campaign, title=f"Listen to {NAME}")
    petitions.update_petition(owner, petition, {"ask": f"Meet {NAME} by June."})
    petitions.post_update(owner, petition, subject=f"News from {NAME}", body="We met.")
    petitions.set_challenge(owner, petition, on=True)
    petitions.set_challenge(owner, petition, on=False)
    token, _raw = api.issue_token(owner, name=f"{NAME}'s form")
    api.revoke_token(owner, token)
    invitation = accounts.invite_member(owner, email=EMAIL, role="editor")
    zebulon = testing.make_user(EMAIL, NAME)
    member = accounts.accept_invitation(invitation, zebulon)
    accounts.change_role(owner, member, "moderator")
    accounts.remove_member(owner, member)
    other = accounts.invite_member(owner, email="q." + EMAIL, role="editor")
    accounts.revoke_invitation(owner, other)
    accounts.update_organisation(owner, {"summary": f"Founded by {NAME}."})
    figure = safety.add_public_figure(owner, name=NAME, note=f"{NAME} chairs the council.")
    safety.remove_public_figure(owner, figure)
    phrase = moderation.hold_phrase(owner, NAME)
    moderation.release_phrase(owner, phrase)
    _replies(owner, story)
    factor = twofactor.begin_setup(owner.user)
    twofactor.confirm_setup(owner.user, pyotp.TOTP(twofactor.secret_of(factor)).now())
    account = syndication.connect_local(owner)
    post = syndication.schedule_post(
        owner,
        story,
        account,
        text=f"{NAME} at the river",
        scheduled_at=timezone.now() + timedelta(days=1),
    )
    syndication.cancel_post(owner, post)
    _measure(owner, campaign, petition)
    _listen(owner)


def _listen(owner: Membership) -> None:
    """Listening: a feed and a hashtag monitored, paused and resumed; a keyword rule too."""
    from groundswell.listening import services as listening

    feed = listening.add_feed(owner, f"https://{SLUG}.example/zebulon/feed/")
    listening.pause(owner, feed)
    listening.resume(owner, feed)
    hashtag = listening.add_hashtag(owner, f"{SLUG}.example", "ZebulonQuillfeather")
    listening.pause(owner, hashtag)
    listening.resume(owner, hashtag)
    rule = listening.add_rule(
        owner, name=f"{NAME} mentions", phrases=NAME, exclusions="", language="en"
    )
    listening.set_rule_active(owner, rule, False)
    listening.set_rule_active(owner, rule, True)


def _measure(owner: Membership, campaign: object, petition: object) -> None:
    """The outcome ledger and the time log."""
    from groundswell.ledger import services as ledger
    from groundswell.timelog import services as timelog

    entry = ledger.add_entry(
        owner,
        {"campaign": campaign, "petition": petition, "kind": "response",
         "happened_on": timelog.today(), "title": f"{NAME} wrote back",
         "details": f"A letter from {NAME}."},
    )  # fmt: skip
    ledger.change_entry(owner, entry, {"details": f"{NAME} agreed to meet."})
    ledger.send_report(owner, entry, subject=f"{NAME} replied", body="They replied.")
    ledger.delete_entry(owner, entry)
    timelog.set_budget(owner, 60)
    work = {"date": timelog.today(), "minutes": 20, "activity": "writing", "campaign": None}
    time_entry = timelog.add_entry(owner, work)
    timelog.change_entry(owner, time_entry, {**work, "minutes": 25})
    timelog.delete_entry(owner, time_entry)


def _replies(owner: Membership, story: Story) -> None:
    """A fediverse reply by someone called NAME: queued, approved, replied to, reported,
    rejected."""
    actor = RemoteActor.objects.create(
        uri="http://127.0.0.1:9/users/zq",
        inbox="http://127.0.0.1:9/users/zq/inbox",
        domain="127.0.0.1",
        username="zq",
        name=NAME,
        fetched_at=timezone.now(),
    )
    reply = Interaction.objects.create(
        story=story,
        actor=actor,
        kind="reply",
        object_uri="http://127.0.0.1:9/users/zq/statuses/1",
        content_html="<p>Lovely otters</p>",
        public=True,
    )
    moderated.queue_reply(reply, "en")
    assert reply.moderation is not None
    moderation.approve(owner, reply.moderation)
    federation.reply(owner, reply, "Thank you for coming.")
    moderation.report(reply.moderation, "Spam")
    moderation.reject(owner, reply.moderation, f"Off topic, says {NAME}")


def _free_text(entry: AuditEntry) -> list[str]:
    """The words of the entry's object as stored now (if it is still there)."""
    found: list[str] = []
    for model in apps.get_models():
        if model._meta.model_name != entry.target_type or not entry.target_id.isdigit():
            continue
        row = model._default_manager.filter(pk=int(entry.target_id)).values().first()
        if row is None:
            continue
        fields = model._meta.concrete_fields
        # A kind's label ("Demo timeline") is a kind, whichever field repeats it.
        labels = {str(label) for field in fields for _value, label in field.flatchoices}
        for field in fields:
            if field.choices or (entry.target_type, field.name) in IDENTIFIERS:
                continue
            if isinstance(field, (models.CharField, models.TextField)):
                value = str(row.get(field.attname) or "")
                if len(value) >= 4 and value not in labels:
                    found.append(value)
    return found


@pytest.mark.usefixtures("task_queue")
def test_no_summary_carries_the_words_of_what_it_is_about(
    owner: Membership, org: Organisation
) -> None:
    _walk(owner)
    entries = list(AuditEntry.objects.filter(organisation=org))
    actions = {entry.action for entry in entries}
    # The walk reached what it meant to: a path that stopped auditing would fail here.
    assert {
        "campaign.create",
        "campaign.update",
        "campaign.cover_blur",
        "story.create",
        "story.update",
        "story.image_add",
        "story.cover",
        "story.image_blur",
        "story.publish",
        "petition.create",
        "petition.update",
        "petition.update_sent",
        "api_token.create",
        "api_token.revoke",
        "invitation.create",
        "invitation.revoke",
        "member.add",
        "member.role",
        "member.remove",
        "organisation.update",
        "safety.allowlist_add",
        "safety.allowlist_remove",
        "moderation.hold_phrase",
        "moderation.release_phrase",
        "moderation.approve",
        "moderation.report",
        "moderation.reject",
        "federation.reply",
        "syndication.connect",
        "syndication.schedule",
        "syndication.cancel",
        "account.two_factor_on",
        "ledger.create",
        "ledger.update",
        "ledger.report",
        "ledger.delete",
        "timelog.budget",
        "timelog.entry_change",
        "timelog.entry_delete",
        "listening.monitor_added",
        "listening.monitor_paused",
        "listening.monitor_resumed",
        "listening.rule_added",
        "listening.rule_paused",
        "listening.rule_resumed",
    } <= actions, sorted(actions)
    for entry in entries:
        summary = entry.summary.lower()
        assert "zebulon" not in summary and "quillfeather" not in summary, entry.summary
        for words in _free_text(entry):
            assert words.lower() not in summary, (entry.action, words, entry.summary)
    # Each summary still says which object: by its kind and number.
    created = AuditEntry.objects.get(action="story.create")
    assert created.summary == f"Wrote story #{created.target_id}"


def test_the_check_of_an_objects_words_can_fail(owner: Membership, org: Organisation) -> None:
    campaign = testing.make_campaign(owner, title=f"Rivers for {NAME}")
    entry = AuditEntry.objects.get(action="campaign.create")
    entry.summary = f"Created the campaign “Rivers for {NAME}”"
    assert f"Rivers for {NAME}" in _free_text(entry)
    assert str(campaign.pk) == entry.target_id


def test_the_log_links_a_story_campaign_or_petition_to_its_page(
    client: Client, alice: User, owner: Membership, org: Organisation
) -> None:
    campaign = testing.make_campaign(owner)
    story = testing.make_story(owner, campaign=campaign)
    client.force_login(alice)
    html = client.get(reverse("audit:log", args=[org.slug])).content.decode()
    story_page = reverse("stories:staff_edit", args=[org.slug, story.pk])
    campaign_page = reverse("campaigns:staff_edit", args=[org.slug, campaign.pk])
    assert f'<a href="{story_page}">Wrote story #{story.pk}</a>' in html
    assert f'<a href="{campaign_page}">Created campaign #{campaign.pk}</a>' in html
