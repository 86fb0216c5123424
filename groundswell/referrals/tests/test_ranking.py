"""The evangelist ranking on hand-built trees with answers worked out by hand.

The tree (ids grow down the list; "via X" is the signature's referrer):

    petition 1 (campaign one)            petition 2 (campaign two)
    1  ana   root                        10 xan  root
    2  ben   via ana                     11 ana  via xan
    3  cat   via ben, PENDING            12 ben  via ana
    4  dov   via cat                     13 cat  via ana
    5  eve   via ana
    6  fay   via xan, who never signed petition 1: a root
    7  gus   via gus himself: a root
    8  hal   via ivy, who signed petition 1 later: a root
    9  ivy   via hal (so hal and ivy point at each other)

By hand: on petition 1 ana has below her ben, cat (pending: not counted, but passes dov's
credit up) and dov, and eve: 3; ben 1 (dov), cat 1, hal 1. On petition 2 xan has 3, ana 2.
So ana 5 (direct: ben, eve, ben, cat = 4), xan 3 (1), then cat 1 (1) and hal 1 (1), tied and
ordered by supporter id, then ben 1 (0).
"""

from __future__ import annotations

import io
import json
import random

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, Signature, SignatureState
from groundswell.referrals import digest, forest, ranking, rules, services
from groundswell.referrals.models import EvangelistRanking
from groundswell.supporters.models import ConsentWording, Supporter

NAMES = ["ana", "ben", "cat", "dov", "eve", "fay", "gus", "hal", "ivy", "xan"]
TREE = [  # (petition 1 or 2, who, via whom, confirmed)
    (1, "ana", None, True),
    (1, "ben", "ana", True),
    (1, "cat", "ben", False),
    (1, "dov", "cat", True),
    (1, "eve", "ana", True),
    (1, "fay", "xan", True),
    (1, "gus", "gus", True),
    (1, "hal", "ivy", True),
    (1, "ivy", "hal", True),
    (2, "xan", None, True),
    (2, "ana", "xan", True),
    (2, "ben", "ana", True),
    (2, "cat", "ana", True),
]
EXPECTED = [("ana", 5, 4), ("xan", 3, 1), ("cat", 1, 1), ("hal", 1, 1), ("ben", 1, 0)]


@pytest.fixture
def tree(owner: Membership, petition: Petition) -> dict[str, Supporter]:
    org = owner.organisation
    other = testing.make_petition(owner, testing.make_campaign(owner, title="Two", slug="two"))
    petitions = {1: petition, 2: other}
    wording = ConsentWording.objects.create(organisation=org, text="Words.")
    people = {
        name: Supporter.objects.create(
            organisation=org, email=f"{name}@example.net", email_key=f"{name}@example.net",
            given_name=name.title(),
        )
        for name in NAMES
    }  # fmt: skip
    for number, name, via, confirmed in TREE:
        Signature.objects.create(
            petition=petitions[number],
            supporter=people[name],
            referred_by=people[via] if via else None,
            state=SignatureState.CONFIRMED if confirmed else SignatureState.PENDING,
            channel="whatsapp" if name != "eve" else "",
            wording=wording,
        )
    return people


def named(
    people: dict[str, Supporter], entries: list[dict[str, int]]
) -> list[tuple[str, int, int]]:
    names = {s.pk: name for name, s in people.items()}
    return [(names[e["supporter"]], e["downstream"], e["direct"]) for e in entries]


def test_the_ranking_matches_the_hand_worked_tree(
    tree: dict[str, Supporter], org: Organisation
) -> None:
    timed = ranking.rank_organisation(org.pk, top=10)
    assert named(tree, ranking.as_entries(timed.ranked)) == EXPECTED
    assert timed.signatures == len(TREE)


def test_each_supporters_own_page_agrees_with_the_ranking(tree: dict[str, Supporter]) -> None:
    expected = {name: (down, direct) for name, down, direct in EXPECTED}
    for name, supporter in tree.items():
        reach = services.reach_of(supporter)
        assert (reach.downstream, reach.direct) == expected.get(name, (0, 0)), name
    ana = services.reach_of(tree["ana"])
    # ben and eve on petition 1, ben and cat on petition 2; ana was the first signature of
    # none of them except eve's and ben's first (petition 1): new supporters 2.
    assert ana.new_supporters == 2
    assert dict(ana.channels) == {"whatsapp": 3, "web": 1}


def test_the_counted_predicate_is_the_one_rule(
    tree: dict[str, Supporter], org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the fraud tools will: take some signatures out of the figures (here eve's).
    narrowed = rules.counted() & ~Q(supporter=tree["eve"])
    monkeypatch.setattr(rules, "counted", lambda: narrowed)
    top = named(tree, ranking.as_entries(ranking.rank_organisation(org.pk, top=1).ranked))
    assert top == [("ana", 4, 3)]
    assert services.reach_of(tree["ana"]).downstream == 4


def test_the_command_prints_the_ranking_as_json(
    tree: dict[str, Supporter], org: Organisation
) -> None:
    out = io.StringIO()
    call_command("evangelists", org.slug, "--top", "2", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == [
        {"supporter": tree["ana"].pk, "downstream": 5, "direct": 4, "rsvps": 0, "volunteers": 0},
        {"supporter": tree["xan"].pk, "downstream": 3, "direct": 1, "rsvps": 0, "volunteers": 0},
    ]


def test_the_command_refuses_an_unknown_organisation(db: None) -> None:
    with pytest.raises(Exception, match="No organisation has the address name"):
        call_command("evangelists", "nobody", "--json", stdout=io.StringIO())


def test_the_task_stores_every_scope(
    tree: dict[str, Supporter], org: Organisation, petition: Petition
) -> None:
    testing.run_periodic("rank_evangelists")
    whole = EvangelistRanking.objects.get(organisation=org, campaign=None)
    assert named(tree, whole.entries) == EXPECTED
    assert whole.signatures == len(TREE)
    first = EvangelistRanking.objects.get(organisation=org, campaign=petition.campaign)
    assert named(tree, first.entries) == [
        ("ana", 3, 2),
        ("cat", 1, 1),
        ("hal", 1, 1),
        ("ben", 1, 0),
    ]
    ana = whole.entries[0]
    assert (ana["new"], ana["channels"]) == (2, {"whatsapp": 3, "web": 1})
    assert (first.entries[0]["new"], first.entries[0]["channels"]) == (2, {"whatsapp": 1, "web": 1})
    testing.run_periodic("rank_evangelists")  # again: replaced, not added to
    assert EvangelistRanking.objects.filter(organisation=org).count() == 3


def test_the_staff_page_reads_the_stored_ranking(
    client: Client, alice: User, org: Organisation, tree: dict[str, Supporter], petition: Petition
) -> None:
    client.force_login(alice)
    url = reverse("referrals:evangelists", args=[org.slug])
    assert "Not computed yet" in client.get(url).content.decode()
    testing.run_periodic("rank_evangelists")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert "Computed at" in html
    order = [html.index(f"<td>{name.title()}</td>") for name, _, _ in EXPECTED]
    assert order == sorted(order)
    # Nothing on the page grows with the signatures: the stored row and the names.
    assert not [q for q in queries.captured_queries if "actions_signature" in q["sql"]]
    wording = ConsentWording.objects.create(organisation=org, text="More words.")
    for n in range(30):  # thirty more evangelists, each with one confirmed recruit
        brought = Supporter.objects.create(organisation=org, email_key=f"n{n}", given_name=f"N{n}")
        recruit = Supporter.objects.create(organisation=org, email_key=f"r{n}", given_name=f"R{n}")
        for person, via in ((brought, None), (recruit, brought)):
            Signature.objects.create(
                petition=petition, supporter=person, referred_by=via, wording=wording,
                state=SignatureState.CONFIRMED,
            )  # fmt: skip
    testing.run_periodic("rank_evangelists")
    with CaptureQueriesContext(connection) as more:
        assert "<td>N29</td>" in client.get(url).content.decode()
    assert len(more.captured_queries) == len(queries.captured_queries) <= 12
    one = client.get(url, {"campaign": petition.campaign_id}).content.decode()
    assert "<td>Xan</td>" not in one and "<td>Ana</td>" in one


def test_the_leaderboard_lists_only_those_who_opted_in(
    client: Client, tree: dict[str, Supporter], petition: Petition
) -> None:
    Supporter.objects.filter(pk__in=[tree["cat"].pk, tree["ben"].pk]).update(
        public_leaderboard=True
    )
    testing.run_periodic("rank_evangelists")
    board = reverse(
        "referrals:leaderboard", args=[petition.organisation.slug, petition.campaign.slug]
    )
    html = client.get(board).content.decode()
    assert '<span class="name">Ana</span>' not in html
    assert html.index('<span class="name">Cat</span>') < html.index('<span class="name">Ben</span>')


def triples(ranked: forest.Ranked) -> list[tuple[int, int, int]]:
    columns = (ranked.supporter.tolist(), ranked.downstream.tolist(), ranked.direct.tolist())
    return list(zip(*columns, strict=True))


def brute(rows: forest.Rows) -> dict[int, tuple[int, int]]:
    """The definition, walked one signature at a time up its chain of parents."""
    ids = rows.id.tolist()
    pairs = zip(rows.petition.tolist(), rows.supporter.tolist(), strict=True)
    at = {(p, s): n for n, (p, s) in enumerate(pairs)}
    parent = []
    for n, (p, r) in enumerate(zip(rows.petition.tolist(), rows.referrer.tolist(), strict=True)):
        up = at.get((p, r)) if r else None
        parent.append(up if up is not None and ids[up] < ids[n] else None)
    totals: dict[int, list[int]] = {}
    for n, counted in enumerate(rows.counted.tolist()):
        if not counted:
            continue
        up, first = parent[n], True
        while up is not None:
            entry = totals.setdefault(int(rows.supporter[up]), [0, 0])
            entry[0] += 1
            entry[1] += first
            up, first = parent[up], False
    return {s: (d, r) for s, (d, r) in totals.items()}


@pytest.mark.parametrize("seed", range(5))
def test_random_forests_match_the_definition_walked_by_hand(seed: int) -> None:
    rng = random.Random(seed)
    n, people = 400, 60
    rows = [(p, s) for p in range(1, 4) for s in rng.sample(range(1, people + 1), 40)]
    rng.shuffle(rows)
    ids = rng.sample(range(1, 10 * n), len(rows))  # ids in any order, with gaps
    signed = [s for _, s in rows]
    forest_rows = forest.Rows(
        id=np.array(ids),
        petition=np.array([p for p, _ in rows]),
        supporter=np.array(signed),
        # Mostly someone who signed, sometimes a stranger, themselves, or nobody.
        referrer=np.array(
            [rng.choice([*rng.sample(signed, 3), rng.randint(1, people), s, 0]) for _, s in rows]
        ),
        counted=np.array([rng.random() < 0.7 for _ in rows]),
    )
    ranked = forest.rank(forest.grow(forest_rows), top=1000)
    expected = brute(forest_rows)
    order = sorted(expected, key=lambda s: (-expected[s][0], -expected[s][1], s))
    got = triples(ranked)
    assert got == [(s, *expected[s]) for s in order]
    assert len(got) > 5


def test_a_long_chain_neither_overflows_nor_crawls() -> None:
    n = 200_000  # deeper than SPARSE_LEVEL levels of one: the plain-Python tail
    ids = np.arange(1, n + 1)
    rows = forest.Rows(
        id=ids, petition=np.ones(n, dtype=np.int64), supporter=ids,
        referrer=ids - 1, counted=np.ones(n, dtype=bool),
    )  # fmt: skip
    ranked = forest.rank(forest.grow(rows), top=3)
    assert ranked.supporter.tolist() == [1, 2, 3]
    assert ranked.downstream.tolist() == [n - 1, n - 2, n - 3]
    assert ranked.direct.tolist() == [1, 1, 1]


def test_signatures_that_nobody_referred_rank_nobody_in_any_scope() -> None:
    # An organisation whose supporters all came on their own: no evangelists, and no error.
    rows = forest.Rows(
        id=np.array([1, 2, 3]), petition=np.array([1, 1, 2]), supporter=np.array([4, 5, 6]),
        referrer=np.zeros(3, dtype=np.int64), counted=np.ones(3, dtype=bool),
        group=np.array([10, 10, 20]),
    )  # fmt: skip
    grown = forest.grow(rows)
    assert triples(forest.rank(grown, top=3)) == []
    by_campaign = forest.rank(grown, top=3, by_group=True)
    assert by_campaign.group is not None
    assert (triples(by_campaign), by_campaign.group.tolist()) == ([], [])


def test_a_wide_tree_and_ties_break_by_direct_then_supporter() -> None:
    # 7 (root) brought 100 people; 3 brought 1 who brought 99 (100 below, 1 direct); 5 is
    # like 3; so 7 (100, 100) before 3 (100, 1) before 5 (100, 1).
    rows = [(1, 7, 0)] + [(1, 1000 + k, 7) for k in range(100)]
    rows += [(2, 3, 0), (2, 4, 3)] + [(2, 2000 + k, 4) for k in range(99)]
    rows += [(3, 5, 0), (3, 6, 5)] + [(3, 3000 + k, 6) for k in range(99)]
    rows_ = forest.Rows(
        id=np.arange(1, len(rows) + 1), petition=np.array([r[0] for r in rows]),
        supporter=np.array([r[1] for r in rows]), referrer=np.array([r[2] for r in rows]),
        counted=np.ones(len(rows), dtype=bool),
    )  # fmt: skip
    ranked = forest.rank(forest.grow(rows_), top=3)
    assert triples(ranked) == [(7, 100, 100), (3, 100, 1), (5, 100, 1)]


def test_another_organisations_signatures_stay_out(
    tree: dict[str, Supporter], org: Organisation, owner: Membership, petition: Petition
) -> None:
    # A petition of another organisation between two of ours, with a chain of its own.
    other_owner = testing.make_user("olu@example.org", "Olu Owner")
    other = testing.make_organisation(other_owner, name="Other", slug="other")
    theirs = testing.make_petition(
        testing.membership(other_owner, other),
        testing.make_campaign(testing.membership(other_owner, other), slug="theirs"),
    )
    later = testing.make_petition(owner, testing.make_campaign(owner, title="Three", slug="three"))
    wording = ConsentWording.objects.create(organisation=other, text="Words.")
    first = Supporter.objects.create(organisation=other, email="o1@example.net", email_key="o1")
    second = Supporter.objects.create(organisation=other, email="o2@example.net", email_key="o2")
    for person, via in ((first, None), (second, first)):
        Signature.objects.create(
            petition=theirs, supporter=person, referred_by=via, wording=wording,
            state=SignatureState.CONFIRMED,
        )  # fmt: skip
    assert petition.pk < theirs.pk < later.pk
    timed = ranking.rank_organisation(org.pk, top=10)
    assert named(tree, ranking.as_entries(timed.ranked)) == EXPECTED
    assert timed.signatures == len(TREE)
    mine = ranking.rank_organisation(other.pk, top=10).ranked
    assert mine.supporter.tolist() == [first.pk]


@pytest.mark.django_db(transaction=True)
def test_blocks_read_by_threads_give_the_same_ranking(
    tree: dict[str, Supporter], org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Committed rows, so that the readers' own connections see them; blocks of 3 ids.
    monkeypatch.setattr(digest, "BLOCK", 3)
    timed = ranking.rank_organisation(org.pk, top=10)
    assert named(tree, ranking.as_entries(timed.ranked)) == EXPECTED
    assert timed.signatures == len(TREE)


def test_sorting_packs_small_keys_and_falls_back_for_large_ones() -> None:
    small = np.array([5, 3, 9, 3, 0], dtype=np.int64)
    large = small + (1 << 61)
    for keys in (small, large):
        order, ordered = forest.sort_order(keys)
        assert ordered.tolist() == sorted(keys.tolist())
        assert keys[order].tolist() == ordered.tolist()
        ids, (sums,) = forest.sum_by_key(keys, [np.array([1, 2, 4, 8, 16], dtype=np.int64)])
        assert (ids - keys.min()).tolist() == [0, 3, 5, 9]
        assert sums.tolist() == [16, 10, 1, 4]


def test_parents_found_by_two_threads_are_the_same(
    tree: dict[str, Supporter], org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forest, "THREADED_FROM", 0)  # even and odd petitions apart
    timed = ranking.rank_organisation(org.pk, top=10)
    assert named(tree, ranking.as_entries(timed.ranked)) == EXPECTED
