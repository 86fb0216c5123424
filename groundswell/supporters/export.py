"""The staff export of every supporter as CSV rows, audited before the first row is read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import ngettext

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.actions.models import SignatureState
from groundswell.audit.services import record

from .models import Consent, Purpose, Supporter


def iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


# Column names are an interface for spreadsheets and imports, so they are not translated.
EXPORT_COLUMNS = (
    "id", "email", "given_name", "family_name", "country", "postcode", "created_at",
    "signatures", "confirmed_signatures", "wants_updates",
    "petition_consent_granted", "petition_consent_confirmed_at",
    "petition_consent_withdrawn_at", "petition_consent_wording_id",
    "updates_consent_granted", "updates_consent_confirmed_at",
    "updates_consent_withdrawn_at", "updates_consent_wording_id",
)  # fmt: skip


def _consent_cells(consent: Consent | None) -> list[Any]:
    if consent is None:
        return ["", "", "", ""]
    return [
        "yes" if consent.granted else "no",
        iso(consent.confirmed_at) or "",
        iso(consent.withdrawn_at) or "",
        consent.wording_id,
    ]


def _export_row(supporter: Any) -> list[Any]:
    """One supporter's row; both consent lists are prefetched newest first.

    The petition columns describe the latest petition consent. The updates columns describe
    the consent behind `wants_updates`: the latest standing one, else the latest answer.
    """
    consents = list(supporter.consents.all())
    latest_petition = next((c for c in consents if c.purpose == Purpose.PETITION), None)
    updates = [c for c in consents if c.purpose == Purpose.UPDATES]
    standing = next(iter(supporter.standing_updates), None)
    return [
        supporter.pk,
        supporter.email,
        supporter.given_name,
        supporter.family_name,
        supporter.country,
        supporter.postcode,
        iso(supporter.created_at),
        supporter.signature_count,
        supporter.confirmed_count,
        "yes" if standing else "no",
        *_consent_cells(latest_petition),
        *_consent_cells(standing or next(iter(updates), None)),
    ]


def export_supporters(membership: Membership) -> tuple[int, Iterator[list[Any]]]:
    """Every non-erased supporter as rows of EXPORT_COLUMNS, read lazily for streaming.

    The audit entry is written before the first row, with the count at that moment; people
    who sign while the file streams are left out (the cut-off time), so the count holds
    unless someone is erased meanwhile, and then the file has fewer rows, never more.
    """
    require(membership, "supporters.export")
    organisation = membership.organisation
    cutoff = timezone.now()
    chosen = (
        Supporter.objects.for_organisation(organisation).active().filter(created_at__lte=cutoff)
    )
    count = chosen.count()
    record(
        organisation=organisation,
        actor=membership.user,
        action="supporter.export",
        target=organisation,
        summary=ngettext(
            "Exported %(count)d supporter as CSV", "Exported %(count)d supporters as CSV", count
        )
        % {"count": count},
    )
    supporters = (
        chosen.annotate(
            signature_count=Count("signatures"),
            confirmed_count=Count(
                "signatures", filter=Q(signatures__state=SignatureState.CONFIRMED)
            ),
        )
        .prefetch_related(
            Prefetch("consents", queryset=Consent.objects.order_by("-created_at", "-id")),
            # A second, filtered list rather than a copy of the "standing" rule in Python.
            Prefetch(
                "consents",
                queryset=Consent.objects.standing(Purpose.UPDATES).order_by("-created_at", "-id"),
                to_attr="standing_updates",
            ),
        )
        .order_by("id")
    )

    def rows() -> Iterator[list[Any]]:
        for supporter in supporters.iterator(chunk_size=1000):
            yield _export_row(supporter)

    return count, rows()
