"""What an organisation names in public on purpose: the guard never flags it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def fold(name: str) -> str:
    """The form names are compared in: case and runs of spaces do not matter."""
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class Allowlist:
    """Names (folded with `fold`) and email domains the guard leaves alone."""

    names: frozenset[str] = field(default_factory=frozenset)
    domains: frozenset[str] = field(default_factory=frozenset)

    def allows_name(self, name: str) -> bool:
        """Whether a found name is one of the allowed: the same, the same with more around
        it ("Councillor Jo Bloggs" for "Jo Bloggs"), or the allowed one's surname alone.

        A one-word entry ("Kumar", or an organisation called "Oakwood") allows only that word
        standing alone as the name: were it allowed inside a longer name, every Ramesh Kumar
        and Sunita Kumar would be left alone with it.
        """
        folded = fold(name)
        return any(
            folded == allowed
            or (
                " " in allowed
                and (f" {allowed} " in f" {folded} " or folded == allowed.rsplit(" ", 1)[1])
            )
            for allowed in self.names
        )

    def allows_domain(self, domain: str) -> bool:
        domain = domain.casefold()
        return any(domain == own or domain.endswith("." + own) for own in self.domains)


def allowlist_for(organisation: Organisation) -> Allowlist:
    """The organisation's public figures and own names and domain: one query."""
    from .models import PublicFigure

    figures = PublicFigure.objects.for_organisation(organisation)
    names = {fold(name) for name in figures.values_list("name", flat=True)}
    names.add(fold(organisation.name))
    domains = set()
    host = urlsplit(organisation.website).hostname if organisation.website else None
    if host:
        domains.add(host.casefold().removeprefix("www."))
    return Allowlist(names=frozenset(names), domains=frozenset(domains))
