"""Bulk invalidation: preview, confirm, counts everywhere public, audit, and an exact undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, Role, User
from groundswell.actions.models import Petition, PetitionTally, Signature
from groundswell.api.services import issue_token
from groundswell.audit.models import AuditEntry
from groundswell.fraud import services
from groundswell.fraud.criteria import Choice, branch, picked
from groundswell.fraud.models import InvalidatedSignature, InvalidationBatch
from groundswell.referrals.services import reach_of, refresh_rankings, stored_ranking

from .conftest import Sign

BOT = "203.0.113.0/24"


def invalidate_url(org: Organisation) -> str:
    return reverse("fraud:invalidate", args=[org.slug])


def counts(client: Client, petition: Petition) -> str:
    """The public page's count line, after the worker's recount."""
    testing.run_periodic("recount_petitions")
    from groundswell.lib import pagecache

    pagecache.clear()
    html = client.get(petition.get_absolute_url()).content.decode()
    start = html.index("confirmed signatures") - 40
    return html[start : html.index("confirmed signatures")]


@pytest.fixture
def bot(petition: Petition, signed: Sign) -> list[Signature]:
    signed(petition, 3, network="192.0.2.0/24", domain="example.org")
    return signed(petition, 5, network=BOT, domain="spam.example")


def form(**fields: Any) -> dict[str, Any]:
    return {"criterion": "network", "network": BOT, "reason": "A bot from one network.", **fields}


def test_a_preview_shows_the_count_and_changes_nothing(
    client: Client, alice: User, org: Organisation, bot: list[Signature]
) -> None:
    client.force_login(alice)
    response = client.post(invalidate_url(org), form(preview="yes"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: 5 signatures" in html
    assert html.count("spam.example") >= 5  # the sample, with the source of each
    assert 'name="previewed" value="5"' in html
    assert not Signature.objects.filter(invalidated_at__isnull=False).exists()
    assert not InvalidationBatch.objects.exists()


def test_confirming_takes_them_out_of_every_public_count_quietly_and_audited(
    client: Client,
    alice: User,
    org: Organisation,
    owner: Membership,
    bot: list[Signature],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    petition = bot[0].petition
    assert counts(client, petition).strip().endswith("8</strong>")
    client.force_login(alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invalidate_url(org), form(previewed="5", confirm="yes"))
    batch = InvalidationBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("fraud:batch", args=[org.slug, batch.pk])
    assert batch.signatures == 5 and batch.network == BOT and batch.created_by == alice
    assert set(InvalidatedSignature.objects.values_list("signature_id", flat=True)) == {
        s.pk for s in bot
    }
    assert mail.outbox == []  # the supporters are told nothing
    client.logout()
    assert counts(client, petition).strip().endswith("3</strong>")
    entry = AuditEntry.objects.get(action="fraud.invalidate")
    assert entry.changes["network"] == BOT and entry.changes["signatures"] == 5
    assert "bot" not in entry.summary.lower()  # the reason stays on the batch
    # The OSDI API lists them, marked, and leaves them out of the petition's total.
    _token, raw = issue_token(owner, name="CRM")
    headers = {"OSDI-API-Token": raw}
    api = client.get(reverse("api:osdi:petition", args=[petition.pk]), headers=headers).json()
    assert api["total_signatures"] == 3
    one = reverse("api:osdi:signature", args=[petition.pk, bot[0].pk])
    resource = client.get(one, headers=headers).json()
    assert resource["groundswell:invalidated"] is True
    assert resource["groundswell:invalidated_date"]


def test_undo_restores_exactly_the_batch_and_nothing_another_batch_took(
    client: Client, alice: User, org: Organisation, owner: Membership, bot: list[Signature],
    signed: Sign,
) -> None:  # fmt: skip
    petition = bot[0].petition
    others = signed(petition, 2, network="198.51.100.0/24", domain="spam.example")
    first = services.invalidate(owner, Choice("network", network=BOT), reason="bot", previewed=5)
    second = services.invalidate(
        owner, Choice("domain", domain="spam.example"), reason="same domain", previewed=2
    )
    assert second.signatures == 2  # the five already invalid are not taken twice
    client.force_login(alice)
    response = client.post(reverse("fraud:undo", args=[org.slug, first.pk]))
    assert response.status_code == 302
    valid = set(Signature.objects.filter(invalidated_at__isnull=True).values_list("pk", flat=True))
    assert {s.pk for s in bot} <= valid
    assert not {s.pk for s in others} & valid
    first.refresh_from_db()
    assert first.undone_at is not None and first.undone_by == alice
    assert AuditEntry.objects.filter(action="fraud.undo").count() == 1
    client.logout()
    assert counts(client, petition).strip().endswith("8</strong>")
    # Undoing twice changes nothing more.
    client.force_login(alice)
    client.post(reverse("fraud:undo", args=[org.slug, first.pk]))
    assert AuditEntry.objects.filter(action="fraud.undo").count() == 1


@pytest.mark.parametrize("verb", ["invalidate", "undo"])
def test_a_recount_that_began_before_the_commit_is_put_right_by_the_next(
    owner: Membership,
    bot: list[Signature],
    verb: str,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """The worker recounts every second, so one may start while a batch is being written: it
    reads the rows as they were and stamps its tally later than the batch began. The next
    recount must still see the change, not leave the count wrong until the reconciliation."""
    petition = bot[0].petition
    choice = Choice("network", network=BOT)
    if verb == "undo":
        batch = services.invalidate(owner, choice, reason="bot", previewed=5)
    testing.run_periodic("recount_petitions")
    before = PetitionTally.objects.get(petition=petition).confirmed
    with django_capture_on_commit_callbacks() as at_commit:
        if verb == "undo":
            services.undo(owner, batch)
        else:
            services.invalidate(owner, choice, reason="bot", previewed=5)
        # What that recount writes: the count as it was, stamped after the batch began.
        PetitionTally.objects.filter(petition=petition).update(
            confirmed=before, computed_at=timezone.now()
        )
    for callback in at_commit:  # the batch's transaction commits
        callback()
    testing.run_periodic("recount_petitions")
    assert (
        PetitionTally.objects.get(petition=petition).confirmed == {"invalidate": 3, "undo": 8}[verb]
    )


def test_a_confirmation_after_the_count_changed_shows_the_new_preview(
    client: Client, alice: User, org: Organisation, bot: list[Signature], signed: Sign
) -> None:
    signed(bot[0].petition, 1, network=BOT)  # arrived after the preview
    client.force_login(alice)
    response = client.post(invalidate_url(org), form(previewed="5", confirm="yes"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "covers 6 signatures now" in html
    assert 'name="previewed" value="6"' in html
    assert not InvalidationBatch.objects.exists()


def test_a_wider_range_covers_the_ranges_inside_it(
    owner: Membership, org: Organisation, bot: list[Signature], signed: Sign
) -> None:
    signed(bot[0].petition, 2, network="203.0.114.0/24")
    signed(bot[0].petition, 2, network="2001:db8::/64")
    wide = picked(org, Choice("network", network="203.0.112.0/22"))
    assert wide.count() == 7
    assert picked(org, Choice("network", network="2001:db8::/32")).count() == 2


def test_a_time_window_and_a_petition_narrow_the_choice(
    owner: Membership, org: Organisation, petition: Petition, signed: Sign
) -> None:
    now = timezone.now()
    signed(petition, 2, at=now - timedelta(hours=3))
    signed(petition, 4, at=now - timedelta(hours=1))
    other = testing.make_petition(owner, petition.campaign, title="Another")
    signed(other, 3, at=now - timedelta(hours=1))
    window = Choice("window", since=now - timedelta(hours=2), until=now)
    assert picked(org, window).count() == 7
    assert picked(org, Choice("window", petition=petition, since=window.since)).count() == 4


def test_a_referral_branch_is_a_supporter_and_everyone_below_them(
    petition: Petition, signed: Sign, org: Organisation
) -> None:
    (top,) = signed(petition, 1)
    (middle,) = signed(petition, 1, referred_by=top)
    below = signed(petition, 2, referred_by=middle)
    (beside,) = signed(petition, 1, referred_by=top)
    (stranger,) = signed(petition, 1)
    ids = set(branch(petition, middle.supporter))
    assert ids == {middle.pk, *(s.pk for s in below)}
    assert top.pk not in ids and beside.pk not in ids and stranger.pk not in ids
    choice = Choice("branch", petition=petition, root=middle.supporter)
    assert picked(org, choice).count() == 3


def test_the_branch_form_finds_the_supporter_by_address(
    client: Client, alice: User, org: Organisation, petition: Petition, signed: Sign
) -> None:
    (top,) = signed(petition, 1)
    signed(petition, 2, referred_by=top)
    client.force_login(alice)
    data = {"criterion": "branch", "petition": petition.pk, "reason": "A ring.", "preview": "y"}
    response = client.post(invalidate_url(org), {**data, "email": top.supporter.email.upper()})
    assert "Preview: 3 signatures" in response.content.decode()
    response = client.post(invalidate_url(org), {**data, "email": "nobody@example.net"})
    assert response.status_code == 400
    assert "Nobody with this address signed that petition." in response.content.decode()


def test_an_invalidated_signature_earns_no_one_credit(
    petition: Petition, signed: Sign, owner: Membership, org: Organisation
) -> None:
    (top,) = signed(petition, 1)
    signed(petition, 3, referred_by=top, network=BOT)

    def stored() -> list[tuple[int | None, int, int]]:
        refresh_rankings(org.pk)  # what rank_evangelists does every ten minutes
        entries = stored_ranking(org).entries
        return [(e.reach.supporter_id, e.reach.downstream, e.reach.direct) for e in entries]

    assert stored() == [(top.supporter_id, 3, 3)]
    assert reach_of(top.supporter).downstream == 3
    batch = services.invalidate(owner, Choice("network", network=BOT), reason="bot", previewed=3)
    assert stored() == []
    reach = reach_of(top.supporter)
    assert (reach.downstream, reach.direct) == (0, 0)
    services.undo(owner, batch)
    assert stored() == [(top.supporter_id, 3, 3)]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"network": ""}, "network", "Enter the network range."),
        ({"network": "203.0.113.7/32"}, "network", "keep only their /24"),
        ({"network": "10.0.0.0/4"}, "network", "too wide"),
        ({"network": "not an address"}, "network", "Enter a network range"),
        ({"criterion": "domain", "domain": "no dots"}, "domain", "Enter a domain"),
        ({"criterion": "window"}, "since", "Enter when the window starts."),
        ({"criterion": "window", "since": "2026-12-07T10:00", "until": "2026-12-07T09:00"},
         "until", "after the start"),
        ({"criterion": "branch", "email": "x@example.org"}, "petition", "Choose the petition"),
        ({"reason": ""}, "reason", "Give the reason"),
        ({"criterion": "everything"}, "criterion", "Select a valid choice"),
    ],
)  # fmt: skip
def test_every_mistake_is_named_the_govuk_way_and_kept(
    client: Client, alice: User, org: Organisation, fields: dict[str, str], field: str,
    message: str,
) -> None:  # fmt: skip
    client.force_login(alice)
    response = client.post(invalidate_url(org), form(preview="yes", **fields))
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: " in html
    assert 'class="error-summary"' in html and f'href="#id_{field}"' in html
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert not InvalidationBatch.objects.exists()


def test_analysts_read_and_only_owners_and_safety_officers_invalidate(
    client: Client, org: Organisation, owner: Membership, bot: list[Signature]
) -> None:
    reason = "Scripted signing from one range."
    batch = services.invalidate(owner, Choice("network", network=BOT), reason=reason, previewed=5)
    for role, may_read, may_act in (
        (Role.ANALYST, True, False),
        (Role.SAFETY_OFFICER, True, True),
        (Role.EDITOR, False, False),
        (Role.MODERATOR, False, False),
    ):
        user = testing.make_user(f"{role}@example.org", str(role))
        testing.add_member(org, user, role)
        client.force_login(user)
        page = client.get(reverse("fraud:batch", args=[org.slug, batch.pk]))
        assert page.status_code == (200 if may_read else 403), role
        if may_read:
            # No supporter's name or address on a fraud page, whoever reads it.
            assert bot[0].supporter.email not in page.content.decode()
            assert (reason in page.content.decode()) == may_act
        new = client.get(invalidate_url(org))
        assert new.status_code == (200 if may_act else 403), role
