"""Signatures, confirmations, referrals and unsubscribes counted from their rows; outcomes read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.invalidation import invalidate
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import confirm_signature
from groundswell.analytics import outcomes, rollup
from groundswell.analytics.models import DailyCount, RestateCursor
from groundswell.lib import analytics
from groundswell.referrals.models import ShareToken
from groundswell.stories.services import change_state
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import withdraw_updates
from groundswell.testing import SIGNING, run_periodic

from .helpers import settle, sign_through_the_form, total


def test_signatures_count_by_the_channel_site_and_utm_they_came_with(
    client: Client, petition: Petition
) -> None:
    page = "https://groundswell.example" + petition.get_absolute_url()
    sign_through_the_form(client, petition, "asha@example.net", ch="whatsapp",
                          landing=page + "?ch=whatsapp&utm_campaign=dec-26")  # fmt: skip
    sign_through_the_form(client, petition, "ben@example.net", ws="www.example.com",
                          landing=page)  # fmt: skip
    sign_through_the_form(client, petition, "cleo@example.net", landing=page)
    run_periodic(*SIGNING)
    confirm_signature(Signature.objects.get(supporter__email="asha@example.net").pk)
    settle()
    assert total("sign") == 3
    assert total("sign", scope="petition", scope_id=petition.pk) == 3
    assert total("sign", dimension="channel", value="whatsapp") == 1
    assert total("sign", dimension="channel", value="web") == 1
    assert total("sign", dimension="channel", value="site") == 1
    assert total("sign", dimension="referrer", value="example.com") == 1
    assert total("sign", dimension="utm_campaign", value="dec-26") == 1
    assert total("confirm") == 1
    assert total("confirm", dimension="channel", value="whatsapp") == 1
    assert total("new_supporter") == 1  # only a confirmed signer is a supporter won


def test_a_referred_signature_and_the_story_its_form_was_on(
    client: Client, owner: Membership, petition: Petition
) -> None:
    story = testing.make_story(owner, campaign=petition.campaign)
    change_state(owner, story, "publish")
    sign_through_the_form(client, petition, "asha@example.net")
    run_periodic(*SIGNING)
    token = ShareToken.objects.get().token
    landing = "https://groundswell.example" + story.get_absolute_url() + "?ch=email"
    sign_through_the_form(client, petition, "ben@example.net", ref=token, ch="email",
                          landing=landing)  # fmt: skip
    run_periodic(*SIGNING)
    settle()
    assert total("referred_sign") == 0  # not confirmed yet
    confirm_signature(Signature.objects.get(supporter__email="ben@example.net").pk)
    settle()
    assert total("referred_sign") == 1
    assert total("referred_sign", dimension="channel", value="email") == 1
    assert total("sign", scope="story", scope_id=story.pk) == 1
    assert total("sign", scope="campaign", scope_id=petition.campaign_id) == 2


def test_recounting_replaces_the_days_it_covers_and_keeps_older_ones(
    client: Client, petition: Petition
) -> None:
    sign_through_the_form(client, petition, "asha@example.net")
    run_periodic(*SIGNING)
    settle()
    settle()  # run twice: still one signature, not two
    assert total("sign") == 1
    old_day = rollup.today() - timedelta(days=30)
    DailyCount.objects.create(organisation_id=petition.organisation_id, scope="organisation",
                              kind="sign", day=old_day, count=5)  # fmt: skip
    Signature.objects.all().delete()  # erased today
    settle()
    assert total("sign", day=rollup.today()) == 0
    assert total("sign", day=old_day) == 5


def test_an_unsubscribe_counts_for_the_petition_it_was_given_on(
    client: Client, petition: Petition
) -> None:
    sign_through_the_form(client, petition, "asha@example.net", wants_updates="on")
    run_periodic(*SIGNING)
    signature = Signature.objects.get()
    confirm_signature(signature.pk)
    assert withdraw_updates(signature.supporter) == 1
    settle()
    assert total("unsubscribe", scope="petition", scope_id=petition.pk) == 1
    assert total("unsubscribe", dimension="channel", value="email") == 1


def test_outcomes_read_per_campaign_channel_and_day(client: Client, owner: Membership) -> None:
    first = testing.make_petition(owner, testing.make_campaign(owner, title="Rivers", slug="r"))
    second = testing.make_petition(owner, testing.make_campaign(owner, title="Air", slug="a"))
    for n, petition in enumerate([first, first, second]):
        sign_through_the_form(client, petition, f"p{n}@example.net", ch="bluesky" if n else "")
    run_periodic(*SIGNING)
    for signature in Signature.objects.all():
        confirm_signature(signature.pk)
    settle()
    today = rollup.today()
    org = owner.organisation
    assert {kind.name for kind in outcomes.outcome_kinds()} >= {
        "confirm", "new_supporter", "referred_sign", "reply_received",
    }  # fmt: skip
    assert outcomes.counts(org, "confirm", today, today) == {(): 3}
    assert outcomes.counts(org, "confirm", today, today, by=["campaign"]) == {
        (first.campaign_id,): 2,
        (second.campaign_id,): 1,
    }
    assert outcomes.counts(org, "confirm", today, today, by=["channel"]) == {
        ("site",): 1,
        ("bluesky",): 2,
    }
    assert outcomes.counts(
        org, "confirm", today, today, campaign=first.campaign_id, by=["channel", "day"]
    ) == {("site", today): 1, ("bluesky", today): 1}
    yesterday = today - timedelta(days=1)
    assert outcomes.counts(org, "confirm", yesterday, yesterday) == {}
    assert outcomes.totals(org, ["confirm", "sign"], today, today) == {"confirm": 3, "sign": 3}


def test_a_counted_kind_is_added_exactly_once_across_batches(petition: Petition) -> None:
    page = analytics.Dims(petition.organisation_id, petition.campaign_id, petition.pk)
    for n in range(7):
        analytics.count("share_click", page._replace(channel=f"c{n}"))
        analytics.flush()  # seven batches, as seven processes would write them
    assert rollup.roll_up_pending(limit=3) == 3
    assert rollup.roll_up_pending(limit=3) == 3
    assert rollup.roll_up_pending(limit=3) == 1
    assert rollup.roll_up_pending(limit=3) == 0
    assert total("share_click") == 7


def test_counts_of_an_organisation_deleted_meanwhile_are_dropped(petition: Petition) -> None:
    analytics.count("page_view", analytics.Dims(987654))
    analytics.count("page_view", analytics.Dims(petition.organisation_id))
    settle()
    assert DailyCount.objects.filter(organisation_id=987654).count() == 0
    assert total("page_view") == 1


def test_days_are_utc_days() -> None:
    first, after = rollup.window(datetime(2026, 12, 7, tzinfo=UTC).date())
    assert (first.isoformat(), after.isoformat()) == ("2026-12-06", "2026-12-08")


def test_outcomes_count_only_confirmed_signatures_never_struck_out_ones(
    client: Client, petition: Petition
) -> None:
    sign_through_the_form(client, petition, "asha@example.net")
    run_periodic(*SIGNING)
    token = ShareToken.objects.get().token
    for email in ("ben@example.net", "cleo@example.net", "dev@example.net"):
        sign_through_the_form(client, petition, email, ref=token)
    run_periodic(*SIGNING)
    for email in ("asha@example.net", "ben@example.net", "cleo@example.net"):
        confirm_signature(Signature.objects.get(supporter__email=email).pk)
    struck = Signature.objects.get(supporter__email="cleo@example.net")
    invalidate([struck.pk], at=datetime.now(UTC))
    settle()
    # Dev never confirmed and Cleo was struck out: neither is an outcome of any kind.
    assert (total("confirm"), total("referred_sign"), total("new_supporter")) == (2, 1, 2)


def _moved_back(signature: Signature, when: datetime) -> None:
    Signature.objects.filter(pk=signature.pk).update(created_at=when, confirmed_at=None,
                                                     state="pending", updated_at=when)  # fmt: skip
    Supporter.objects.filter(pk=signature.supporter_id).update(created_at=when)


def test_a_supporter_met_days_ago_who_confirms_today_counts_on_the_day_they_were_met(
    client: Client, petition: Petition
) -> None:
    sign_through_the_form(client, petition, "asha@example.net")
    run_periodic(*SIGNING)
    signature = Signature.objects.get()
    now = datetime.now(UTC)
    met = now - timedelta(days=5)
    _moved_back(signature, met)
    rollup.restate(now - timedelta(hours=1), rollup.today() - timedelta(days=1))
    confirm_signature(signature.pk)  # today, five days after signing
    rollup.restate(now + timedelta(minutes=1), rollup.today() - timedelta(days=1))
    assert total("new_supporter", day=met.date()) == 1


def test_the_recount_catches_up_on_every_day_the_worker_missed(
    client: Client, petition: Petition
) -> None:
    sign_through_the_form(client, petition, "asha@example.net")
    run_periodic(*SIGNING)
    # A signature taken four days ago, while the worker had stopped for six, and unchanged
    # since (no app says its day changed): the days since the last run are counted anyway.
    now = datetime.now(UTC)
    four_days_ago = now - timedelta(days=4)
    Signature.objects.update(created_at=four_days_ago, updated_at=now - timedelta(days=7))
    RestateCursor.objects.create(name="rows", until=now - timedelta(days=6))
    rollup.restate(now, rollup.today() - timedelta(days=1))
    assert total("sign", day=four_days_ago.date()) == 1


def test_runs_of_days_are_recounted_together() -> None:
    day = datetime(2026, 12, 1, tzinfo=UTC).date()
    days = [day, day + timedelta(days=1), day + timedelta(days=5), day + timedelta(days=3)]
    assert list(rollup.spans(days)) == [
        (day, day + timedelta(days=2)),
        (day + timedelta(days=3), day + timedelta(days=4)),
        (day + timedelta(days=5), day + timedelta(days=6)),
    ]
