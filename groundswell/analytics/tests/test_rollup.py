"""Signatures, confirmations, referrals and unsubscribes counted from their rows; outcomes read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import confirm_signature
from groundswell.analytics import outcomes, rollup
from groundswell.analytics.models import DailyCount
from groundswell.lib import analytics
from groundswell.referrals.models import ShareToken
from groundswell.stories.services import change_state
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
    assert total("new_supporter") == 3


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
