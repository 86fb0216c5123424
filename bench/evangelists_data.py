"""The data of the P4 benchmark (bench/evangelists.py), and the ranking by other means.

The generator. PETITIONS petitions with Zipf-like sizes (the k-th ∝ k^-0.8, none above a
quarter of the supporters), each starting at a random moment and gathering its signatures
in a burst (exponential offsets), so petitions interleave in id order as they do live.
Supporters are drawn for each petition without repeats, weighted by a log-normal activity
(some sign many petitions, most a few). A signature is brought by an earlier signer of the
same petition with probability REFERRED, that signer chosen in proportion to their
supporter's sharing propensity (Pareto, shape 1.2: a few evangelists bring most), so trees
grow deep where sharing compounds. CONFIRMED of all signatures are confirmed. Odd data the
ranking must survive, each a small share of the referred signatures: a referrer who never
signed that petition, a self-referral, and a referrer who signed the petition only later
(what a loop looks like in this schema).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

PETITIONS = 2000
REFERRED = 0.45
CONFIRMED = 0.88
ODD = {"stranger": 0.002, "self": 0.0005, "later": 0.0005}
CHANNELS = ("whatsapp", "email", "telegram", "mastodon", "")


@dataclass
class Generated:
    """One signature per position, in id order (id = position + 1)."""

    petition: np.ndarray  # 0-based petition number
    supporter: np.ndarray  # 0-based supporter number
    referrer: np.ndarray  # 0-based supporter number, -1 for none
    counted: np.ndarray
    channel: np.ndarray
    supporters: int
    petitions: int


def sizes_of(total: int, petitions: int, cap: int) -> np.ndarray:
    share = np.arange(1, petitions + 1, dtype=np.float64) ** -0.8
    sizes = np.zeros(petitions, dtype=np.int64)
    left = total
    while left > 0:
        room = sizes < cap
        if not room.any():
            raise SystemExit("More signatures than the petitions can hold without repeats.")
        extra = np.floor(share * room / (share * room).sum() * left).astype(np.int64)
        if extra.sum() == 0:
            extra[np.flatnonzero(room)[:left]] = 1
        sizes = np.minimum(sizes + extra, cap)
        left = total - int(sizes.sum())
    return sizes


def generate(signatures: int, supporters: int, petitions: int, seed: int) -> Generated:
    rng = np.random.default_rng(seed)
    sizes = sizes_of(signatures, petitions, max(1, supporters // 4))
    petition = np.repeat(np.arange(petitions), sizes)
    start = rng.random(petitions)
    moment = start[petition] + rng.exponential(0.02, signatures)
    slots = np.lexsort((moment, petition))  # petition by petition, each in time order
    petition, moment = petition[slots], moment[slots]
    # Distinct supporters per petition: draw by activity, redraw the repeats.
    activity = np.minimum(rng.lognormal(0.0, 1.0, supporters), 30.0)
    cumulative = np.cumsum(activity) / activity.sum()
    supporter = np.zeros(signatures, dtype=np.int64)
    todo = np.arange(signatures)
    while todo.size:
        drawn = np.searchsorted(cumulative, rng.random(todo.size), side="right")
        supporter[todo] = np.minimum(drawn, supporters - 1)
        _, first = np.unique(petition * supporters + supporter, return_index=True)
        repeat = np.ones(signatures, dtype=bool)
        repeat[first] = False
        todo = np.flatnonzero(repeat)
    # Who brought whom: an earlier signer of the same petition, by sharing propensity.
    begin = np.repeat(np.cumsum(sizes) - sizes, sizes)
    weight = rng.pareto(1.2, supporters)[supporter] + 0.05
    through = np.cumsum(weight)
    before = through - weight  # weight of the slots before each one, whole array
    referred = (rng.random(signatures) < REFERRED) & (np.arange(signatures) > begin)
    at = np.flatnonzero(referred)
    low, high = before[begin[at]], before[at]
    pick = np.searchsorted(through, low + rng.random(at.size) * (high - low), side="right")
    parent = np.clip(pick, begin[at], at - 1)
    referrer = np.full(signatures, -1, dtype=np.int64)
    referrer[at] = supporter[parent]
    odd = rng.random(at.size)
    stranger = at[odd < ODD["stranger"]]
    referrer[stranger] = rng.integers(0, supporters, stranger.size)
    own = at[(odd >= ODD["stranger"]) & (odd < ODD["stranger"] + ODD["self"])]
    referrer[own] = supporter[own]
    later = at[(odd >= 1 - ODD["later"]) & (at + 1 < begin[at] + sizes[petition[at]])]
    referrer[later] = supporter[later + 1]
    # Ids follow time across petitions.
    order = np.argsort(moment, kind="stable")
    return Generated(
        petition=petition[order],
        supporter=supporter[order],
        referrer=referrer[order],
        counted=(rng.random(signatures) < CONFIRMED),
        channel=rng.integers(0, len(CHANNELS), signatures),
        supporters=supporters,
        petitions=petitions,
    )


def independent_top(data: Generated, ids: dict[str, Any], top: int) -> list[dict[str, int]]:
    """The ranking by other means: a dictionary, a NetworkX graph, plain Python sums.

    Signature n (0-based) has id n + 1, as `store` wrote it; the definition's rules are
    applied here on their own: a parent is the referrer's signature on the same petition,
    recorded before the child.
    """
    import networkx as nx

    width = data.supporters + 1
    petitions = data.petition.tolist()
    supporters = data.supporter.tolist()
    counted = data.counted.tolist()
    signature_of = {
        p * width + s: n for n, (p, s) in enumerate(zip(petitions, supporters, strict=True))
    }
    graph = nx.DiGraph()
    for n, referrer in enumerate(data.referrer.tolist()):
        if referrer < 0:
            continue
        parent = signature_of.get(petitions[n] * width + referrer)
        if parent is not None and parent < n:
            graph.add_edge(parent, n)
    del signature_of
    below: dict[int, int] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        below[node] = sum(below[c] + counted[c] for c in graph.successors(node))
    downstream: dict[int, int] = {}
    direct: dict[int, int] = {}
    for node, count in below.items():
        if count:
            owner = supporters[node]
            downstream[owner] = downstream.get(owner, 0) + count
    for parent, child in graph.edges():
        if counted[child]:
            owner = supporters[parent]
            direct[owner] = direct.get(owner, 0) + 1
    key = ids["supporters"]  # supporter number -> its id in the database
    ranked = sorted(downstream, key=lambda s: (-downstream[s], -direct.get(s, 0), key[s]))[:top]
    return [
        {"supporter": key[s], "downstream": downstream[s], "direct": direct.get(s, 0)}
        for s in ranked
    ]
