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

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Flags = NDArray[np.bool_]

# Below this many signatures, a depth level is summed in plain Python: a chain thousands of
# levels deep would otherwise pay numpy's per-call cost once per level.
SPARSE_LEVEL = 64


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
    """Each row's parent position (-1: a root), by the rule in the module docstring."""
    n = len(rows)
    parent = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return parent
    width = int(rows.supporter.max()) + 1
    if int(rows.petition.max()) >= (1 << 62) // width:
        raise OverflowError("Petition and supporter ids too large to pair in 64 bits.")
    key = rows.petition * width + rows.supporter
    order = np.argsort(key)
    sorted_key = key[order]
    child = np.flatnonzero((rows.referrer > 0) & (rows.referrer < width))
    wanted = rows.petition[child] * width + rows.referrer[child]
    at = np.minimum(np.searchsorted(sorted_key, wanted), n - 1)
    candidate = order[at]
    # Found, and recorded before the child (which also rules out a self-referral).
    ok = (sorted_key[at] == wanted) & (rows.id[candidate] < rows.id[child])
    parent[child[ok]] = candidate[ok]
    return parent


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
    group = rows.group if by_group and rows.group is not None else None
    giving = np.flatnonzero(forest.below > 0)
    credited = np.flatnonzero(rows.counted & (forest.parent >= 0))
    owners = np.concatenate([rows.supporter[giving], rows.supporter[forest.parent[credited]]])
    if group is not None:
        scopes = np.concatenate([group[giving], group[credited]])
        width = int(owners.max(initial=0)) + 1
        if int(scopes.max(initial=0)) >= (1 << 62) // width:
            raise OverflowError("Group and supporter ids too large to pair in 64 bits.")
        owners = scopes * width + owners
    entries, inverse = np.unique(owners, return_inverse=True)
    downstream = np.bincount(
        inverse[: giving.size], weights=forest.below[giving], minlength=entries.size
    ).astype(np.int64)
    direct = np.bincount(inverse[giving.size :], minlength=entries.size).astype(np.int64)
    if group is None:
        return _top(entries, downstream, direct, top)
    scope, supporter = np.divmod(entries, width)
    order = np.lexsort((supporter, -direct, -downstream, scope))
    scope_sorted = scope[order]
    starts = np.flatnonzero(np.r_[True, scope_sorted[1:] != scope_sorted[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, scope_sorted.size]))
    keep = order[np.arange(order.size) - first < top]
    return Ranked(supporter[keep], downstream[keep], direct[keep], scope[keep])


def _top(supporter: Ints, downstream: Ints, direct: Ints, top: int) -> Ranked:
    if top < supporter.size:
        # Only rows tied with or above the top-th downstream can be in the first `top`.
        floor = np.partition(downstream, supporter.size - top)[supporter.size - top]
        near = np.flatnonzero(downstream >= floor)
        supporter, downstream, direct = supporter[near], downstream[near], direct[near]
    order = np.lexsort((supporter, -direct, -downstream))[:top]
    return Ranked(supporter[order], downstream[order], direct[order])
