"""Who brought whom: the evangelist ranking and each supporter's own impact.

A signature's parent is the signature of the supporter whose link brought it, on the same
petition (forest.py has the exact rule and its edge cases). A supporter's reach is
everything below their signatures: the people they brought directly, the people those
brought, and so on. Only signatures that `rules.counted` admits (confirmed ones) count;
the others still pass credit along the chain, since the person may confirm later. Beside
those figures, never added into them: the confirmed RSVPs and volunteer sign-ups made
through the supporter's own link (`rules.CREDITED`, counted directly, no chain).

The organisation's ranking is computed by a periodic task (tasks.py, ranking.py) and
stored; pages read the stored rows. A supporter's own figures are walked from their
signatures on demand (`reach_of`).

Every page that shows these figures (the staff evangelist page, a supporter's staff page,
the public leaderboard, the supporter's private page) names and explains them with FIGURES,
so the same number always carries the same name and the same words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation
from groundswell.actions.models import Signature
from groundswell.supporters.models import Supporter

from . import ranking, rules
from .models import EvangelistRanking


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
    rsvps: Figure
    volunteers: Figure

    def __iter__(self) -> Iterator[Figure]:
        return iter((self.generated, self.direct, self.new, self.rsvps, self.volunteers))


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
    rsvps=Figure(
        _("RSVPs brought"),
        _("People with a place at an event who answered through their own share link."),
        _("People with a place at an event who answered through your own share link."),
    ),
    volunteers=Figure(
        _("Volunteers brought"),
        _("Volunteers with a confirmed place on a shift who signed up through their own link."),
        _("Volunteers with a confirmed place on a shift who signed up through your own link."),
    ),
)


@dataclass
class Reach:
    supporter_id: int
    direct: int = 0  # FIGURES.direct: confirmed signatures whose parent is theirs
    downstream: int = 0  # FIGURES.generated: every confirmed signature below, direct included
    new_supporters: int = 0  # FIGURES.new
    rsvps: int = 0  # FIGURES.rsvps: confirmed RSVPs through their link (rules.CREDITED)
    volunteers: int = 0  # FIGURES.volunteers: confirmed volunteer sign-ups, likewise
    channels: Counter[str] = field(default_factory=Counter)

    @property
    def channel_list(self) -> list[tuple[str, int]]:
        # Templates cannot call Counter.most_common: a Counter answers 0 for any lookup.
        return self.channels.most_common()


def reach_of(supporter: Supporter) -> Reach:
    """What one supporter's sharing generated, walked from their own signatures down.

    For their private page and their staff page: it reads only their subtrees (a recursive
    query over the referrer index), never the organisation's, so it stays cheap and exact
    however many signatures the organisation holds. Same rules as the ranking (forest.py):
    a child has the higher id, which also keeps a loop in odd data from going round. The
    RSVPs and volunteer sign-ups their link brought are one count each (rules.CREDITED).
    """
    table = Signature._meta.db_table
    below = f"""
        WITH RECURSIVE tree(id, petition_id, supporter_id) AS (
            SELECT id, petition_id, supporter_id FROM {table} WHERE supporter_id = %s
            UNION ALL
            SELECT c.id, c.petition_id, c.supporter_id
            FROM {table} c JOIN tree ON c.petition_id = tree.petition_id
                AND c.referred_by_id = tree.supporter_id AND c.id > tree.id
        )
        SELECT id FROM tree WHERE supporter_id <> %s
    """  # noqa: S608
    # The table name is ours and the one value a parameter: nothing from outside is spliced.
    walked = RawSQL(below, [supporter.pk, supporter.pk])  # noqa: S611
    downstream = Signature.objects.filter(rules.counted(), id__in=walked).count()
    # Brought directly: their link, and their own signature on that petition came first.
    theirs = Signature.objects.filter(
        supporter=supporter, petition=OuterRef("petition"), id__lt=OuterRef("id")
    )
    direct = Signature.objects.filter(rules.counted(), referred_by=supporter).filter(Exists(theirs))
    reach = Reach(supporter.pk, downstream=downstream)
    first_signature = (
        Signature.objects.filter(supporter=OuterRef("supporter")).order_by("id").values("id")[:1]
    )
    rows = direct.annotate(first_id=Subquery(first_signature)).values_list(
        "id", "channel", "first_id"
    )
    for signature_id, channel, first_id in rows:
        reach.direct += 1
        reach.channels[channel or "web"] += 1
        reach.new_supporters += signature_id == first_id
    for kind in rules.CREDITED:
        brought = kind.model.objects.filter(kind.counted, referred_by=supporter)  # type: ignore[attr-defined]
        setattr(reach, kind.key, brought.count())
    return reach


@dataclass
class Evangelist:
    supporter: Supporter | None  # None where the page may not show who it is
    reach: Reach


@dataclass(frozen=True)
class StoredRanking:
    computed_at: datetime | None  # None: not computed yet
    entries: list[Evangelist]


def stored_ranking(
    organisation: Organisation,
    *,
    campaign_id: int | None = None,
    limit: int = ranking.DETAILED,
    supporters: QuerySet[Supporter] | None = None,
) -> StoredRanking:
    """The ranking as the refresh task last stored it: two queries, whatever the size.

    `supporters` narrows who is listed (the public leaderboard: those who opted in), read
    among the stored entries in their order; None lists everyone, by number only.
    """
    # The organisation's row is read as well: a campaign nobody has brought anyone to yet
    # has no row of its own, and the page still says when that was last found.
    scopes = (
        Q(campaign__isnull=True) | Q(campaign_id=campaign_id)
        if campaign_id
        else Q(campaign__isnull=True)
    )
    rows = {
        row.campaign_id: row
        for row in EvangelistRanking.objects.filter(scopes, organisation=organisation).only(
            "campaign_id", "entries", "computed_at"
        )
    }
    row = rows.get(campaign_id)
    if row is None:
        fallback = rows.get(None)
        return StoredRanking(fallback.computed_at if fallback else None, [])
    entries = row.entries
    shown: dict[int, Supporter] | None = None
    if supporters is not None:
        shown = supporters.in_bulk([e["supporter"] for e in entries])
        entries = [e for e in entries if e["supporter"] in shown]
    listed = []
    for entry in entries[:limit]:
        reach = Reach(
            entry["supporter"],
            direct=entry["direct"],
            downstream=entry["downstream"],
            new_supporters=entry.get("new", 0),
            channels=Counter(entry.get("channels", {})),
            # Rows stored before these figures existed have neither key.
            **{key: entry.get(key, 0) for key in rules.KEYS},
        )
        listed.append(Evangelist(shown[entry["supporter"]] if shown else None, reach))
    return StoredRanking(row.computed_at, listed)


def refresh_rankings(organisation_id: int) -> list[EvangelistRanking]:
    """Rank the organisation and each of its campaigns again, and store the results."""
    computed = ranking.compute(organisation_id)
    now = timezone.now()
    rows = [
        EvangelistRanking(
            organisation_id=organisation_id,
            campaign_id=scope,
            entries=entries,
            signatures=computed.signatures,
            seconds=computed.seconds,
            computed_at=now,
        )
        for scope, entries in computed.scopes.items()
    ]
    with transaction.atomic():
        EvangelistRanking.objects.filter(organisation_id=organisation_id).delete()
        EvangelistRanking.objects.bulk_create(rows)
    return rows
