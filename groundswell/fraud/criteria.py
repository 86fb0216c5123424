"""Which signatures an invalidation picks: by network range, email domain, time window or
referral branch, within one petition or all of an organisation's, never an invalid one."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from groundswell.accounts.models import Organisation
from groundswell.actions.models import Petition, Signature
from groundswell.supporters.models import Supporter

from .models import Criterion

SAMPLE = 20
CHUNK = 500


@dataclass(frozen=True)
class Choice:
    """What staff chose on the form, checked (forms.InvalidationForm)."""

    criterion: str
    petition: Petition | None = None
    network: str = ""  # a CIDR range as wide as a /24 (IPv4) or a /64 (IPv6), or wider
    domain: str = ""
    since: datetime | None = None
    until: datetime | None = None
    root: Supporter | None = None  # the top of a referral branch (with a petition)

    def describe(self) -> dict[str, Any]:
        """What the audit entry keeps: the choice, without anyone's name or address."""
        return {
            "criterion": self.criterion,
            "petition": self.petition.pk if self.petition else None,
            "network": self.network,
            "domain": self.domain,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "root_supporter": self.root.pk if self.root else None,
        }


def picked(organisation: Organisation, choice: Choice) -> QuerySet[Signature]:
    """The organisation's valid signatures the choice covers."""
    rows = Signature.objects.filter(
        petition__organisation=organisation, invalidated_at__isnull=True
    )
    if choice.petition is not None:
        rows = rows.filter(petition=choice.petition)
    if choice.since is not None:
        rows = rows.filter(created_at__gte=choice.since)
    if choice.until is not None:
        rows = rows.filter(created_at__lt=choice.until)
    if choice.criterion == Criterion.NETWORK:
        rows = rows.filter(network__in=ranges_within(rows, choice.network))
    elif choice.criterion == Criterion.DOMAIN:
        rows = rows.filter(email_domain=choice.domain)
    elif choice.criterion == Criterion.BRANCH:
        assert choice.petition is not None and choice.root is not None
        rows = rows.filter(pk__in=branch(choice.petition, choice.root))
    return rows


def ranges_within(rows: QuerySet[Signature], wanted: str) -> list[str]:
    """The stored ranges (each a /24 or a /64) inside `wanted`: itself when it is one,
    else those the rows hold that fall within it."""
    network = ipaddress.ip_network(wanted)
    if network.prefixlen == (24 if network.version == 4 else 64):
        return [str(network)]
    stored = rows.exclude(network="").values_list("network", flat=True).distinct()
    inside = []
    for text in stored:
        try:
            candidate = ipaddress.ip_network(text)
        except ValueError:
            continue
        if candidate.version == network.version and candidate.subnet_of(network):  # type: ignore[arg-type]
            inside.append(text)
    return inside


def branch(petition: Petition, root: Supporter) -> list[int]:
    """The root's signature on the petition and every signature below it in the petition's
    referral tree (brought by it, by those it brought, and so on): their ids.

    Walked level by level, so a long chain costs one query per level, never recursion."""
    top = Signature.objects.filter(petition=petition, supporter=root).values_list("pk", flat=True)
    ids = list(top)
    if not ids:
        return []
    seen = {root.pk}
    level = [root.pk]
    while level:
        below: list[tuple[int, int]] = []
        for start in range(0, len(level), CHUNK):
            below += Signature.objects.filter(
                petition=petition, referred_by_id__in=level[start : start + CHUNK]
            ).values_list("pk", "supporter_id")
        level = []
        for pk, supporter_id in below:
            if supporter_id not in seen:
                seen.add(supporter_id)
                level.append(supporter_id)
                ids.append(pk)
    return ids


def preview(organisation: Organisation, choice: Choice) -> tuple[int, list[Signature]]:
    """How many signatures the choice covers now, and the latest few of them."""
    rows = picked(organisation, choice)
    sample = list(rows.select_related("petition").order_by("-created_at", "-id")[:SAMPLE])
    return rows.count(), sample
