"""Idea challenges end to end, through the public forms, the worker and the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.ideas import services
from groundswell.ideas.models import (
    Challenge,
    Comment,
    Confirmation,
    Idea,
    IdeaPledge,
    StatusDelivery,
    Vote,
    VoteIntake,
    VoteState,
)
from groundswell.moderation import services as moderation
from groundswell.moderation.models import ModerationItem
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Supporter
from groundswell.supporters.subject_access import subject_access_data

from .conftest import make_challenge

pytestmark = pytest.mark.django_db
WORK = ("process_vote_intake", "send_vote_confirmations", "moderate_ideas", "recount_ideas")


def _confirm(client: Client, smtp: testing.LocalSMTPServer, index: int = -1) -> None:
    link = smtp.links("/ideas/confirm/")[index]
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response.status_code == 302


def _shown_idea(
    client: Client,
    owner: Membership,
    challenge: Challenge,
    smtp: testing.LocalSMTPServer,
    **person: str,
) -> Idea:
    url = reverse("ideas:challenge", args=[challenge.organisation.slug, challenge.pk])
    response = client.post(url, {
        "title": "Stepping stones at the ford",
        "body": "Put stepping stones back where the old ford was.",
        "given_name": person.get("given_name", "Rosa"),
        "email": person.get("email", "rosa.quint@example.net"),
        "wants_updates": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.content
    _confirm(client, smtp)
    testing.run_periodic(*WORK)
    idea = Idea.objects.get(title="Stepping stones at the ford")
    assert idea.moderation is not None
    assert moderation.approve(owner, idea.moderation)
    return idea


def test_an_idea_is_shown_only_once_confirmed_and_approved(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    url = reverse("ideas:challenge", args=[challenge.organisation.slug, challenge.pk])
    client.post(url, {"title": "Stepping stones", "body": "At the ford.", "given_name": "Rosa",
                      "email": "rosa.quint@example.net"})  # fmt: skip
    idea = Idea.objects.get()
    assert idea.state == Confirmation.UNCONFIRMED and idea.language == "en"
    assert client.get(idea.get_absolute_url()).status_code == 404
    _confirm(client, smtp_server)
    testing.run_periodic(*WORK)
    idea.refresh_from_db()
    assert idea.state == Confirmation.CONFIRMED and idea.supporter is not None
    assert idea.moderation is not None and idea.moderation.kind == "ideas.idea"
    assert client.get(idea.get_absolute_url()).status_code == 404  # waits for a moderator
    moderation.approve(owner, idea.moderation)
    page = client.get(url)
    assert "Stepping stones" in page.content.decode()
    assert client.get(idea.get_absolute_url()).status_code == 200


def test_one_vote_per_person_however_they_spell_their_address(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, challenge, smtp_server)
    vote_url = reverse("ideas:vote", args=[challenge.organisation.slug, idea.pk])
    first = client.post(vote_url, {"vote-given_name": "Omar", "vote-email": "omar.vale@gmail.com"})
    again = client.post(
        vote_url, {"vote-given_name": "Omar", "vote-email": "Omar.Vale+ideas@googlemail.com"}
    )
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]  # the same token: nothing new stored
    assert VoteIntake.objects.count() == 1
    testing.run_periodic(*WORK)
    idea.refresh_from_db()
    assert (idea.confirmed_votes, idea.pending_votes) == (0, 1)  # honest: not confirmed yet
    assert client.get(first["Location"]).status_code == 200
    _confirm(client, smtp_server)
    testing.run_periodic(*WORK)
    idea.refresh_from_db()
    assert (idea.confirmed_votes, idea.pending_votes) == (1, 0)
    assert (
        "<strong>1</strong> confirmed vote</li>"
        in client.get(idea.get_absolute_url()).content.decode()
    )
    client.post(vote_url, {"vote-given_name": "Omar", "vote-email": "omarvale@gmail.com"})
    testing.run_periodic(*WORK)
    assert Vote.objects.count() == 1  # recorded already: the worker adds no second vote


def test_a_vote_through_a_share_link_credits_whoever_shared_it(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, challenge, smtp_server)
    vote_url = reverse("ideas:vote", args=[challenge.organisation.slug, idea.pk])
    client.post(vote_url, {"vote-given_name": "Omar", "vote-email": "omar.vale@example.net"})
    testing.run_periodic(*WORK)
    omar = Vote.objects.get()
    client.post(vote_url, {"vote-given_name": "Lena", "vote-email": "lena.park@example.net",
                           "vote-ref": omar.share_token, "vote-ch": "whatsapp"})  # fmt: skip
    client.post(vote_url, {"vote-given_name": "Ivo", "vote-email": "ivo.tam@example.net",
                           "vote-ref": idea.share_token})  # fmt: skip
    testing.run_periodic(*WORK)
    lena = Vote.objects.get(supporter__email="lena.park@example.net")
    ivo = Vote.objects.get(supporter__email="ivo.tam@example.net")
    assert lena.referred_by_id == omar.supporter_id and lena.channel == "whatsapp"
    assert ivo.referred_by_id == idea.supporter_id


def test_bad_votes_get_a_clear_answer_and_store_nothing(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer,
    settings: Settings,
) -> None:  # fmt: skip
    idea = _shown_idea(client, owner, challenge, smtp_server)
    vote_url = reverse("ideas:vote", args=[challenge.organisation.slug, idea.pk])
    bad = client.post(vote_url, {"vote-given_name": "", "vote-email": "not-an-address"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "There is a problem" in body and "Enter your first name." in body
    assert "<title>Error:" in body
    settings.SIGN_RATE_LIMIT_PER_MINUTE = 2  # the bad one above counted too
    client.post(vote_url, {"vote-given_name": "Omar", "vote-email": "omar.vale@example.net"})
    flood = client.post(vote_url, {"vote-given_name": "Lena", "vote-email": "lena@example.net"})
    assert flood.status_code == 429 and "Too many" in flood.content.decode()
    assert VoteIntake.objects.count() == 1


def test_a_closed_challenge_takes_no_ideas_and_no_votes(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, challenge, smtp_server)
    Challenge.objects.filter(pk=challenge.pk).update(closes_at=timezone.now())
    vote_url = reverse("ideas:vote", args=[challenge.organisation.slug, idea.pk])
    response = client.post(vote_url, {"vote-given_name": "Omar", "vote-email": "o@example.net"})
    assert response.status_code == 400 and "closed" in response.content.decode()
    url = reverse("ideas:challenge", args=[challenge.organisation.slug, challenge.pk])
    response = client.post(url, {"title": "Late", "body": "Too late.", "given_name": "Omar",
                                 "email": "o@example.net"})  # fmt: skip
    assert response.status_code == 400 and "not taking ideas" in response.content.decode()
    assert VoteIntake.objects.count() == 0 and Idea.objects.count() == 1


def test_pledges_count_in_the_totals_once_confirmed(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, challenge, smtp_server)
    url = reverse("ideas:pledge", args=[challenge.organisation.slug, idea.pk])
    empty = client.post(url, {"pledge-given_name": "Omar", "pledge-email": "o@example.net"})
    assert empty.status_code == 400
    assert "Pledge an amount, some hours, or both." in empty.content.decode()
    assert IdeaPledge.objects.count() == 0
    client.post(url, {"pledge-given_name": "Omar", "pledge-email": "o@example.net",
                      "pledge-amount": "10", "pledge-hours": "2"})  # fmt: skip
    testing.run_periodic(*WORK)
    idea.refresh_from_db()
    assert idea.pledgers == 0
    _confirm(client, smtp_server)
    testing.run_periodic(*WORK)
    idea.refresh_from_db()
    assert (idea.pledged_minor, idea.pledged_hours, idea.pledgers) == (1000, 2, 1)
    assert "£10" in client.get(idea.get_absolute_url()).content.decode()


def test_a_status_reaches_those_who_took_part_once_and_only_with_consent(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, challenge, smtp_server)  # Rosa asked to hear
    vote_url = reverse("ideas:vote", args=[challenge.organisation.slug, idea.pk])
    client.post(vote_url, {"vote-given_name": "Omar", "vote-email": "omar@example.net",
                           "vote-wants_updates": "on"})  # fmt: skip
    client.post(vote_url, {"vote-given_name": "Lena", "vote-email": "lena@example.net"})
    testing.run_periodic(*WORK)
    _confirm(client, smtp_server, -1)
    _confirm(client, smtp_server, -2)
    comment_url = reverse("ideas:comment", args=[challenge.organisation.slug, idea.pk])
    client.post(comment_url, {"comment-given_name": "Rosa", "comment-body": "Yes please!",
                              "comment-email": "rosa.quint@example.net",
                              "comment-wants_updates": "on"})  # fmt: skip
    _confirm(client, smtp_server)
    testing.run_periodic(*WORK)
    comment = Comment.objects.get()
    assert comment.moderation is not None and comment.moderation.kind == "ideas.comment"
    before = len(smtp_server.bodies())
    services.set_status(owner, idea, "accepted", "The council agreed to fund it.")
    testing.run_periodic("send_idea_updates", "send_idea_updates")
    sent = smtp_server.bodies()[before:]
    assert len(sent) == 2  # Rosa (author and commenter, once) and Omar; Lena did not ask
    assert all("The council agreed to fund it." in body for body in sent)
    assert StatusDelivery.objects.filter(state="sent").count() == 2
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "Accepted" in page and "The council agreed to fund it." in page


def test_a_status_needs_a_reason(owner: Membership, challenge: Challenge) -> None:
    idea = Idea.objects.create(challenge=challenge, organisation=challenge.organisation,
                               title="x", body="y")  # fmt: skip
    with pytest.raises(Exception, match="Say why"):
        services.set_status(owner, idea, "declined", "  ")


def test_erasure_takes_the_person_out_of_ideas(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, challenge, smtp_server)
    vote_url = reverse("ideas:vote", args=[challenge.organisation.slug, idea.pk])
    client.post(vote_url, {"vote-given_name": "Rosa", "vote-email": "rosa.quint@example.net"})
    testing.run_periodic(*WORK)
    rosa = Supporter.objects.get(email="rosa.quint@example.net")
    data = subject_access_data(rosa)
    assert data["ideas"]["ideas"][0]["title"] == "Stepping stones at the ford"
    assert data["ideas"]["votes"][0]["state"] == VoteState.PENDING
    erase_supporter(owner, rosa)
    idea.refresh_from_db()
    assert (idea.email, idea.given_name, idea.email_key) == ("", "", "")
    assert Vote.objects.filter(supporter=rosa).exists()  # the vote still counts, anonymous


def test_the_challenge_dates_are_checked(owner: Membership) -> None:
    now = timezone.now()
    with pytest.raises(Exception, match="after the opening date"):
        make_challenge(owner, opens_at=now, closes_at=now - timedelta(days=1))


def test_the_queue_shows_or_hides_ideas_and_comments_and_changes_nothing_else(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, challenge, smtp_server)
    comment_url = reverse("ideas:comment", args=[challenge.organisation.slug, idea.pk])
    client.post(comment_url, {"comment-given_name": "Lena", "comment-body": "Mind the eels.",
                              "comment-email": "lena@example.net"})  # fmt: skip
    _confirm(client, smtp_server)
    testing.run_periodic(*WORK)
    comment = Comment.objects.get()
    assert comment.moderation is not None
    queue = f"/staff/{challenge.organisation.slug}/moderation/"
    client.force_login(owner.user)
    assert (
        client.post(queue, {"items": [comment.moderation.pk], "action": "approve"}).status_code
        == 302
    )
    client.logout()
    assert "Mind the eels." in client.get(idea.get_absolute_url()).content.decode()
    assert idea.moderation is not None
    client.force_login(owner.user)
    response = client.post(f"{queue}{idea.moderation.pk}/reject/", {"reason": "Off topic"})
    assert response.status_code == 302
    client.logout()
    assert client.get(idea.get_absolute_url()).status_code == 404
    assert not Idea.objects.shown().exists()
    testing.run_periodic(*WORK)  # a hidden idea is not handed to the queue a second time
    idea.refresh_from_db()
    comment.refresh_from_db()
    assert idea.state == comment.state == Confirmation.CONFIRMED
    assert idea.moderation is not None and idea.moderation.state == "rejected"
    assert comment.moderation is not None and comment.moderation.state == "approved"
    assert ModerationItem.objects.filter(kind="ideas.idea").count() == 1
    moderation.approve(owner, idea.moderation)  # a mistaken rejection undone: shown again
    assert client.get(idea.get_absolute_url()).status_code == 200
