"""The ranking's compact copy (digest.py) stays exact as signatures change.

Each test ranks once (building the copy), changes the rows the way the product does, then
checks the ranking against one computed from nothing (the copy thrown away first).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions import invalidation, retention
from groundswell.actions.models import Petition, Signature, SignatureState
from groundswell.actions.services import confirm_signature
from groundswell.referrals import digest, ranking
from groundswell.referrals.models import RankingBlock, RankingDigest
from groundswell.supporters.models import ConsentWording, Supporter

from . import test_ranking
from .test_ranking import EXPECTED, named

tree = test_ranking.tree  # the hand-built tree's fixture

pytestmark = pytest.mark.django_db


def ranked(org: Organisation) -> list[dict[str, int]]:
    return ranking.as_entries(ranking.rank_organisation(org.pk, top=20).ranked)


def from_nothing(org: Organisation) -> list[dict[str, int]]:
    RankingDigest.objects.filter(organisation=org).delete()
    RankingBlock.objects.filter(organisation=org).delete()
    return ranked(org)


def settle(org: Organisation) -> None:
    """A refresh now, every row last changed long enough before it that the next refresh
    has nothing to read again."""
    digest.refresh(org.pk)
    Signature.objects.update(updated_at=timezone.now() - digest.MARGIN * 3)


def sign(petition: Petition, who: Supporter, via: Supporter | None, **fields: Any) -> Signature:
    wording = ConsentWording.objects.filter(organisation=petition.organisation).last()
    assert wording is not None
    return Signature.objects.create(
        petition=petition, supporter=who, referred_by=via, wording=wording, **fields
    )


def test_a_quiet_refresh_builds_nothing_and_the_ranking_is_unchanged(
    tree: dict[str, Any], org: Organisation
) -> None:
    assert named(tree, ranked(org)) == EXPECTED
    settle(org)
    assert digest.refresh(org.pk).blocks == 0
    assert named(tree, ranked(org)) == EXPECTED


def test_a_confirmation_after_the_copy_was_built_counts(
    tree: dict[str, Any], org: Organisation
) -> None:
    settle(org)
    cat = Signature.objects.get(supporter=tree["cat"], state=SignatureState.PENDING)
    confirm_signature(cat.pk)
    after = ranked(org)
    # cat's signature now counts for ben and ana above her.
    assert named(tree, after)[:2] == [("ana", 6, 4), ("xan", 3, 1)]
    assert after == from_nothing(org)


def test_new_signatures_count_whatever_their_clock_says(
    tree: dict[str, Any], org: Organisation, petition: Petition
) -> None:
    settle(org)
    newcomer = Supporter.objects.create(
        organisation=org, email="new@example.net", email_key="new@example.net"
    )
    row = sign(petition, newcomer, tree["eve"], state=SignatureState.CONFIRMED)
    # Written by a server whose clock is behind: older than the last refresh less MARGIN.
    Signature.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(days=1))
    after = ranked(org)
    assert ("eve", 1, 1) in named(tree | {"new": newcomer}, after)
    assert after == from_nothing(org)


def test_a_change_committed_late_with_an_earlier_stamp_is_caught(
    tree: dict[str, Any], org: Organisation
) -> None:
    settle(org)
    checked = RankingDigest.objects.get(organisation=org).checked_at
    # A transaction that stamped dov's row before that refresh began and committed after it
    # had read the rows: its stamp is earlier than the refresh, within MARGIN.
    Signature.objects.filter(supporter=tree["dov"]).update(
        state=SignatureState.PENDING, updated_at=checked - digest.MARGIN / 2
    )
    after = ranked(org)
    assert ("ana", 4, 4) in named(tree, after)
    assert after == from_nothing(org)


def test_invalidation_and_its_undo_are_followed(
    tree: dict[str, Any], org: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    settle(org)
    ben = list(Signature.objects.filter(supporter=tree["ben"]).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        invalidation.invalidate(ben, at=timezone.now())
    invalidated = ranked(org)
    assert invalidated == from_nothing(org)
    assert named(tree, invalidated)[0] == ("ana", 3, 2)  # ben's two no longer count
    settle(org)
    with django_capture_on_commit_callbacks(execute=True):
        invalidation.restore(ben)
    assert named(tree, ranked(org)) == EXPECTED


def test_signatures_deleted_by_retention_leave_the_copy(
    tree: dict[str, Any], org: Organisation
) -> None:
    settle(org)
    # cat's pending signature on petition 1 is old: retention deletes it, and dov below
    # her becomes a root (nobody's link of that petition brought him any more).
    Signature.objects.filter(state=SignatureState.PENDING).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    settle(org)
    counts = retention.delete_unconfirmed(org, timezone.now() - timedelta(days=30))
    assert counts["signatures"] == 1
    after = ranked(org)
    assert after == from_nothing(org)
    assert named(tree, after)[0] == ("ana", 4, 4)  # ben, eve; ben and cat on petition 2


def test_a_deleted_petition_takes_its_rows_out_at_once(
    tree: dict[str, Any], org: Organisation, petition: Petition
) -> None:
    settle(org)
    Signature.objects.filter(petition=petition).delete()  # as the cascade does
    petition.delete()
    assert named(tree, ranked(org)) == [("xan", 3, 1), ("ana", 2, 2)]


def test_the_sweep_builds_the_oldest_blocks_again(
    tree: dict[str, Any], org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest, "BLOCK", 3)  # 13 signatures: five or six blocks
    from_nothing(org)
    settle(org)
    ids = Signature.objects.values_list("pk", flat=True)
    assert RankingBlock.objects.filter(organisation=org).count() == len({(i - 1) // 3 for i in ids})
    RankingBlock.objects.update(built_at=timezone.now() - digest.RECHECK_AFTER * 2)
    # A change nothing stamped (as a row written outside the product would be).
    Signature.objects.filter(supporter=tree["eve"]).update(state=SignatureState.PENDING)
    assert digest.refresh(org.pk).blocks == digest.RECHECK
    assert digest.refresh(org.pk).blocks == digest.RECHECK
    # By now (the ranking refreshes once more) every block was read again since the change.
    after = ranked(org)
    assert named(tree, after)[0] == ("ana", 4, 3)
    assert after == from_nothing(org)


def test_each_organisation_keeps_its_own_blocks(
    tree: dict[str, Any], org: Organisation, charlie: User
) -> None:
    other = testing.make_organisation(charlie, name="Other Cause", slug="other-cause")
    theirs_owner = Membership.objects.get(organisation=other, user=charlie)
    theirs = testing.make_petition(theirs_owner, testing.make_campaign(theirs_owner))
    ConsentWording.objects.create(organisation=other, text="Theirs.")
    people = [
        Supporter.objects.create(
            organisation=other, email=f"o{n}@example.net", email_key=f"o{n}@example.net"
        )
        for n in range(3)
    ]
    first = sign(theirs, people[0], None, state=SignatureState.CONFIRMED)
    sign(theirs, people[1], people[0], state=SignatureState.CONFIRMED)
    sign(theirs, people[2], people[1], state=SignatureState.CONFIRMED)
    assert named(tree, ranked(org)) == EXPECTED
    mine = ranking.as_entries(ranking.rank_organisation(other.pk, top=20).ranked)
    assert mine == [
        {"supporter": first.supporter_id, "downstream": 2, "direct": 1},
        {"supporter": people[1].pk, "downstream": 1, "direct": 1},
    ]
    assert RankingBlock.objects.filter(organisation=other).get().count == 3


def test_a_deletion_committed_while_a_refresh_reads_its_block_is_not_forgotten(
    tree: dict[str, Any], org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    Signature.objects.filter(state=SignatureState.PENDING).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    settle(org)
    # eve's row changes, so the next refresh reads the block (with cat's old pending row)…
    Signature.objects.filter(supporter=tree["eve"]).update(updated_at=timezone.now())
    name = "_bytes_block" if connection.vendor == "postgresql" else "_concat_block"
    reader = getattr(digest, name)

    def read_then_delete(petitions: tuple[int, int], ids: tuple[int, int]) -> Any:
        rows = reader(petitions, ids)
        # …and retention deletes cat's row just after the block was read.
        retention.delete_unconfirmed(org, timezone.now() - timedelta(days=30))
        return rows

    monkeypatch.setattr(digest, name, read_then_delete)
    digest.refresh(org.pk)
    monkeypatch.undo()
    assert RankingBlock.objects.filter(organisation=org, stale_since__isnull=False).exists()
    after = ranked(org)  # the mark made the next refresh read the block again
    assert named(tree, after)[0] == ("ana", 4, 4)
    assert after == from_nothing(org)
