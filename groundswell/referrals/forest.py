"""Subtree sums over the per-petition referral forests, with numpy, for millions of rows.

The input is one row per signature (`Rows`); the rules are in `docs/architecture.md`
(Referrals) and restated here because the code enforces them:

- A signature's parent is the signature its referrer gave on the same petition, provided
  that signature has the lower id (it was recorded first, as a share link exists only once
  its holder signed). A referrer who never signed that petition, a self-referral and any
  loop in hand-made or imported data therefore leave the signature a root: every edge
  points to a lower id, so no walk can go round.
- `below` of a signature: the counted signatures strictly under it. Signatures that do
  not count (pending, invalidated) still carry their children's credit up: the tree is
  who brought whom, the predicate only says which nodes add one.
- A supporter's `downstream` is the sum of `below` over their signatures (one per
  petition; the trees of different petitions never meet), `direct` the counted children.

No Python loop runs per signature, except over the sparse tail of very deep chains
(`SPARSE_LEVEL`), so ten million rows take seconds (docs/performance.md, P4).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Flags = NDArray[np.bool_]

# Below this many signatures, a depth level is summed in plain Python: a chain thousands of
# levels deep would otherwise pay numpy's per-call cost once per level.
SPARSE_LEVEL = 64
# Supporter ids up to this (plus four per row) are summed in an array indexed by id.
DENSE_LIMIT = 1 << 24
# From this many rows parents are found by two threads (`parents`).
THREADED_FROM = 1 << 20


@dataclass(frozen=True)
class Rows:
    """One signature per position: its id, petition, supporter, referrer (0 for none) and
    whether it counts (`rules.counted`). `group` is an optional scope per row (a campaign),
    for rankings within each scope."""

    id: Ints
    petition: Ints
    supporter: Ints
    referrer: Ints
    counted: Flags
    group: Ints | None = None

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True)
class Forest:
    rows: Rows
    parent: Ints  # the parent's position in `rows`, or -1 for a root
    below: Ints  # counted signatures strictly below each row


@dataclass(frozen=True)
class Ranked:
    """Supporters in rank order: downstream desc, direct desc, supporter id asc. With
    groups, `group` gives each entry's scope and the order holds within each scope."""

    supporter: Ints
    downstream: Ints
    direct: Ints
    group: Ints | None = None


def parents(rows: Rows) -> Ints:
    """Each row's parent position (-1: a root), by the rule in the module docstring.

    A parent is looked for on the child's own petition only, so the rows of even and odd
    petitions are two problems of their own: past THREADED_FROM rows, each is sorted and
    searched by a thread (numpy lets go of the GIL while it sorts and searches), about a
    third less wall-clock time on two cores at ten million rows.
    """
    n = len(rows)
    parent = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return parent
    width = int(rows.supporter.max()) + 1
    if int(rows.petition.max()) >= (1 << 62) // width:
        raise OverflowError("Petition and supporter ids too large to pair in 64 bits.")
    if n < THREADED_FROM:
        parts = [np.arange(n, dtype=np.int64)]
    else:
        even = (rows.petition & 1) == 0
        parts = [np.flatnonzero(even), np.flatnonzero(~even)]
    with ThreadPoolExecutor(len(parts)) as pool:
        for child, found in pool.map(lambda at: _parents_among(rows, at, width), parts):
            parent[child] = found
    return parent


def _parents_among(rows: Rows, at: Ints, width: int) -> tuple[Ints, Ints]:
    """(child, parent) positions for the rows at `at`, which hold whole petitions."""
    if at.size == 0:
        return at, at
    order, sorted_key = sort_order(rows.petition[at] * width + rows.supporter[at])
    referrer = rows.referrer[at]
    child = np.flatnonzero((referrer > 0) & (referrer < width))
    wanted = rows.petition[at[child]] * width + referrer[child]
    found = np.minimum(np.searchsorted(sorted_key, wanted), at.size - 1)
    candidate = at[order[found]]
    child = at[child]
    # Found, and recorded before the child (which also rules out a self-referral).
    ok = (sorted_key[found] == wanted) & (rows.id[candidate] < rows.id[child])
    return child[ok], candidate[ok]


def depths(parent: Ints) -> Ints:
    """Depth of every row (roots 0) by pointer jumping: log2(deepest) passes."""
    n = len(parent)
    has_parent = parent >= 0
    depth = has_parent.astype(np.int64)
    jump = np.where(has_parent, parent, np.arange(n, dtype=np.int64))
    # Rows whose jump target is not yet a root still have a way to go.
    live = np.flatnonzero(has_parent)
    live = live[has_parent[jump[live]]]
    while live.size:
        target = jump[live]
        depth[live] += depth[target]  # gathered before any write: the old values
        jump[live] = jump[target]
        live = live[has_parent[jump[live]]]
    return depth


def subtree_counts(rows: Rows, parent: Ints) -> Ints:
    """`below` for every row: deepest level first, each level added to its parents at once."""
    n = len(rows)
    below = np.zeros(n, dtype=np.int64)
    children = np.flatnonzero(parent >= 0)
    if children.size == 0:
        return below
    depth = depths(parent)[children]
    deepest = int(depth.max())
    # A stable radix sort when depths fit 16 bits, the usual case.
    keys = depth.astype(np.uint16) if deepest < (1 << 16) else depth
    by_depth = children[np.argsort(keys, kind="stable")]
    sizes = np.bincount(depth, minlength=deepest + 1)
    ends = np.cumsum(sizes)
    counted = rows.counted.astype(np.int64)
    level = deepest
    # The sparse tail: levels so small that a plain loop beats one numpy call each.
    sparse_from = level
    while sparse_from >= 1 and sizes[sparse_from] < SPARSE_LEVEL:
        sparse_from -= 1
    if sparse_from < deepest:
        tail = by_depth[ends[sparse_from] :][::-1].tolist()  # deepest first
        parents_of = parent[tail].tolist()
        add = counted[tail].tolist()
        sums = below  # numpy scalars are slow; accumulate in a dict, then write back
        acc: dict[int, int] = {}
        for node, up, own in zip(tail, parents_of, add, strict=True):
            acc[up] = acc.get(up, 0) + acc.get(node, 0) + own
        if acc:
            keys_ = np.fromiter(acc.keys(), dtype=np.int64, count=len(acc))
            sums[keys_] += np.fromiter(acc.values(), dtype=np.int64, count=len(acc))
        level = sparse_from
    for at in range(level, 0, -1):
        nodes = by_depth[ends[at - 1] : ends[at]]
        np.add.at(below, parent[nodes], below[nodes] + counted[nodes])
    return below


def grow(rows: Rows) -> Forest:
    parent = parents(rows)
    return Forest(rows=rows, parent=parent, below=subtree_counts(rows, parent))


def rank(forest: Forest, *, top: int, by_group: bool = False) -> Ranked:
    """The first `top` supporters with any downstream (per group with `by_group`)."""
    rows = forest.rows
    giving = np.flatnonzero(forest.below > 0)
    credited = np.flatnonzero(rows.counted & (forest.parent >= 0))
    owners = np.concatenate([rows.supporter[giving], rows.supporter[forest.parent[credited]]])
    below = np.concatenate([forest.below[giving], np.zeros(credited.size, dtype=np.int64)])
    brought = np.concatenate(
        [np.zeros(giving.size, dtype=np.int64), np.ones(credited.size, dtype=np.int64)]
    )
    if not by_group or rows.group is None:
        widest = int(owners.max(initial=0)) + 1
        if widest <= DENSE_LIMIT + 4 * owners.size:
            # Supporter ids are dense: one array slot each beats any sort.
            totals = np.bincount(owners, weights=below, minlength=widest).astype(np.int64)
            direct = np.bincount(owners, weights=brought, minlength=widest).astype(np.int64)
            ids = np.flatnonzero(totals)
            return _top(ids, totals[ids], direct[ids], top)
        ids, (totals, direct) = sum_by_key(owners, [below, brought])
        return _top(ids, totals, direct, top)
    scopes = np.concatenate([rows.group[giving], rows.group[credited]])
    width = int(owners.max(initial=0)) + 1
    if int(scopes.max(initial=0)) >= (1 << 62) // width:
        raise OverflowError("Group and supporter ids too large to pair in 64 bits.")
    keys, (totals, direct) = sum_by_key(scopes * width + owners, [below, brought])
    scope, supporter = np.divmod(keys, width)
    # Keys are sorted, so each scope is one run: rank each run on its own.
    starts = np.flatnonzero(np.r_[True, scope[1:] != scope[:-1]]) if keys.size else keys
    # No key at all (nothing counted: every signature pending or invalidated): no run.
    ends = np.r_[starts[1:], keys.size] if keys.size else keys
    parts = [
        _top(supporter[a:b], totals[a:b], direct[a:b], top)
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    if not parts:
        return Ranked(keys, keys, keys, keys)
    return Ranked(
        np.concatenate([p.supporter for p in parts]),
        np.concatenate([p.downstream for p in parts]),
        np.concatenate([p.direct for p in parts]),
        np.repeat(scope[starts], [p.supporter.size for p in parts]),
    )


def sort_order(keys: Ints) -> tuple[Ints, Ints]:
    """(positions that sort `keys`, the sorted keys). Where key and position fit in 63 bits
    together, one plain sort of both packed in one integer: three times faster than argsort."""
    n = keys.size
    shift = max(1, (n - 1).bit_length())
    if n and int(keys.min()) >= 0 and int(keys.max()) < (1 << (63 - shift)):
        packed = np.sort((keys << shift) | np.arange(n, dtype=np.int64))
        return packed & ((1 << shift) - 1), packed >> shift
    order = np.argsort(keys, kind="stable")
    return order, keys[order]


def sum_by_key(keys: Ints, weights: list[Ints]) -> tuple[Ints, list[Ints]]:
    """The distinct keys in order, and each weight summed per key."""
    if keys.size == 0:
        return keys, [w[:0] for w in weights]
    order, sorted_keys = sort_order(keys)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return sorted_keys[starts], [np.add.reduceat(w[order], starts) for w in weights]


def _top(supporter: Ints, downstream: Ints, direct: Ints, top: int) -> Ranked:
    if top < supporter.size:
        # Only rows tied with or above the top-th downstream can be in the first `top`.
        floor = np.partition(downstream, supporter.size - top)[supporter.size - top]
        near = np.flatnonzero(downstream >= floor)
        supporter, downstream, direct = supporter[near], downstream[near], direct[near]
    order = np.lexsort((supporter, -direct, -downstream))[:top]
    return Ranked(supporter[order], downstream[order], direct[order])
