"""Who brought whom: the evangelist ranking and each supporter's own impact.

A signature's parent is the signature of the supporter whose link brought it, on the same
petition. A supporter's reach is everything below their signatures: the people they brought
directly, the people those brought, and so on. Only confirmed signatures count; pending ones
still pass credit along the chain, since the person may confirm later.

Every page that shows these figures (the staff evangelist page, a supporter's staff page,
the public leaderboard, the supporter's private page) names and explains them with FIGURES,
so the same number always carries the same name and the same words.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from groundswell.actions.models import Signature, SignatureState
from groundswell.supporters.models import Supporter


@dataclass(frozen=True)
class Figure:
    label: Promise  # a column heading or the name of the figure
    means: Promise  # what it counts, said of a supporter (staff and public pages)
    means_you: Promise  # the same, said to the supporter (their private page)


@dataclass(frozen=True)
class Figures:
    generated: Figure
    direct: Figure
    new: Figure

    def __iter__(self) -> Iterator[Figure]:
        return iter((self.generated, self.direct, self.new))


FIGURES = Figures(
    generated=Figure(
        _("Signatures generated"),
        _(
            "Confirmed signatures that followed from their sharing: the people who signed "
            "through their link, plus everyone those people brought, and so on down the chain."
        ),
        _(
            "Confirmed signatures that followed from your sharing: the people who signed "
            "through your link, plus everyone those people brought, and so on down the chain."
        ),
    ),
    direct=Figure(
        _("Brought directly"),
        _("Confirmed signatures made through their own share link."),
        _("Confirmed signatures made through your own share link."),
    ),
    new=Figure(
        _("New supporters"),
        _("Of those brought directly, people signing for this organisation for the first time."),
        _("Of those you brought directly, people signing for us for the first time."),
    ),
)


@dataclass
class Reach:
    supporter_id: int
    direct: int = 0  # FIGURES.direct: confirmed signatures whose parent is theirs
    downstream: int = 0  # FIGURES.generated: every confirmed signature below, direct included
    new_supporters: int = 0  # FIGURES.new
    channels: Counter[str] = field(default_factory=Counter)

    @property
    def channel_list(self) -> list[tuple[str, int]]:
        # Templates cannot call Counter.most_common: a Counter answers 0 for any lookup.
        return self.channels.most_common()


def compute_reach(
    signatures: Iterable[tuple[int, int, int, int | None, str, bool, bool]],
) -> dict[int, Reach]:
    """Rank from rows (id, petition, supporter, referrer, channel, confirmed, first_action).

    Iterative and linear in the number of signatures, so deep chains cannot overflow a stack.
    """
    by_key: dict[tuple[int, int], int] = {}
    rows = list(signatures)
    for sig_id, petition_id, supporter_id, _ref, _ch, _ok, _first in rows:
        by_key[(petition_id, supporter_id)] = sig_id
    children: dict[int, list[int]] = defaultdict(list)
    info: dict[int, tuple[int, str, bool, bool]] = {}
    roots = []
    for sig_id, petition_id, supporter_id, referrer, channel, confirmed, first in rows:
        info[sig_id] = (supporter_id, channel, confirmed, first)
        parent = by_key.get((petition_id, referrer)) if referrer else None
        if parent is not None and parent != sig_id:
            children[parent].append(sig_id)
        else:
            roots.append(sig_id)
    # Post-order over each tree: count confirmed signatures below every node.
    below: dict[int, int] = {}
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                below[node] = sum(below[c] + (1 if info[c][2] else 0) for c in children[node])
                continue
            stack.append((node, True))
            stack.extend((child, False) for child in children[node])
    reach: dict[int, Reach] = {}
    for sig_id, (supporter_id, _channel, _confirmed, _first) in info.items():
        entry = reach.setdefault(supporter_id, Reach(supporter_id))
        entry.downstream += below.get(sig_id, 0)
        for child in children[sig_id]:
            _child_supporter, child_channel, child_confirmed, child_first = info[child]
            if child_confirmed:
                entry.direct += 1
                entry.channels[child_channel or "web"] += 1
                if child_first:
                    entry.new_supporters += 1
    return reach


def reach_for(signatures: Any) -> dict[int, Reach]:
    """Reach over a Signature queryset (one petition, a campaign, or a whole organisation)."""
    # "New" means this signature is the first the person ever gave this organisation.
    first_signature = (
        Signature.objects.filter(supporter=OuterRef("supporter")).order_by("id").values("id")[:1]
    )
    rows = signatures.annotate(first_id=Subquery(first_signature)).values_list(
        "id", "petition_id", "supporter_id", "referred_by_id", "channel", "state", "first_id"
    )
    prepared = [
        (sig_id, petition_id, supporter_id, referrer, channel,
         state == SignatureState.CONFIRMED, sig_id == first_id)
        for sig_id, petition_id, supporter_id, referrer, channel, state, first_id in rows
    ]  # fmt: skip
    return compute_reach(prepared)


@dataclass
class Evangelist:
    supporter: Supporter
    reach: Reach


def ranking(signatures: Any, *, limit: int = 100) -> list[Evangelist]:
    reach = reach_for(signatures)
    top = sorted(
        (r for r in reach.values() if r.downstream > 0),
        key=lambda r: (-r.downstream, -r.direct, r.supporter_id),
    )[:limit]
    supporters = Supporter.objects.in_bulk([r.supporter_id for r in top])
    return [Evangelist(supporters[r.supporter_id], r) for r in top if r.supporter_id in supporters]


def organisation_signatures(organisation: Any) -> Any:
    return Signature.objects.filter(petition__organisation=organisation)
