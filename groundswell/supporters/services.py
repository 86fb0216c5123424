from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.actions.models import Signature, SignatureIntake, SignatureState
from groundswell.audit.services import record
from groundswell.lib.emails import normalise_email
from groundswell.referrals.models import ShareToken
from groundswell.referrals.services import Reach, reach_for
from groundswell.referrals.sharing import personal_link

from .models import Consent, ConsentWording, Purpose, Supporter


def find_or_create_supporter(
    organisation: Any, *, email: str, email_key: str, **details: str
) -> Supporter:
    """The organisation's one record for this person, created on first contact.

    Details are stored on first contact only, never changed by a later form, not even to
    fill a blank: anyone who knows an address can sign with it, so a repeat signature
    proves nothing about who typed the name or postcode.
    """
    supporter = Supporter.objects.filter(organisation=organisation, email_key=email_key).first()
    if supporter is None:
        try:
            with transaction.atomic():
                return Supporter.objects.create(
                    organisation=organisation, email=email, email_key=email_key, **details
                )
        except IntegrityError:  # someone with the same key arrived at the same moment
            supporter = Supporter.objects.get(organisation=organisation, email_key=email_key)
    return supporter


def new_consent(
    supporter_id: int,
    *,
    purpose: str,
    wording: ConsentWording,
    granted: bool,
    petition: Any = None,
    source_url: str = "",
    channel: str = "",
) -> Consent:
    """An unsaved consent record, so that many can be written in one statement."""
    expires_at = None
    if purpose == Purpose.UPDATES and granted:
        # Permission to keep writing to someone does not last for ever: after this long
        # without a new "yes" they stop receiving updates.
        expires_at = timezone.now() + timedelta(days=settings.CONSENT_UPDATES_DAYS)
    return Consent(
        supporter_id=supporter_id,
        purpose=purpose,
        petition=petition,
        wording=wording,
        granted=granted,
        source_url=source_url[:2000],
        channel=channel[:40],
        expires_at=expires_at,
    )


def confirm_consents(supporter: Supporter, petition: Any) -> None:
    """Double opt-in: the emailed link proves the address, so the consents it asked for hold."""
    Consent.objects.filter(
        supporter=supporter, petition=petition, confirmed_at__isnull=True, granted=True
    ).update(confirmed_at=timezone.now())


def standing_updates_consent(supporter: Supporter) -> bool:
    """True while the person has confirmed they want updates and not withdrawn since."""
    return supporter.consents.standing(Purpose.UPDATES).exists()  # type: ignore[attr-defined]


def choose_leaderboard(supporter: Supporter, *, show: bool) -> None:
    """The person's own choice, from their private page, to show their first name publicly."""
    supporter.public_leaderboard = show
    supporter.save(update_fields=["public_leaderboard", "updated_at"])


def withdraw_updates(supporter: Supporter) -> int:
    """Unsubscribe: mark every standing 'updates' consent withdrawn now; returns how many."""
    return Consent.objects.filter(
        supporter=supporter, purpose=Purpose.UPDATES, granted=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())


# --- Staff: finding, exporting and erasing supporters ----------------------------------------
# Imported here rather than at the top so the lines above stay untouched by this section.


def access_supporter(membership: Membership, supporter_id: int) -> Supporter:
    """A supporter of the member's organisation, for a role that may see personal data.

    Another organisation's supporter is a 404 whatever the role, so an id reveals nothing.
    """
    require(membership, "supporters.read")
    return get_object_or_404(
        Supporter.objects.select_related("organisation"),
        pk=supporter_id,
        organisation=membership.organisation,
    )


def _own(membership: Membership, supporter: Supporter) -> None:
    if supporter.organisation_id != membership.organisation_id:
        raise Http404


def confirmed_signer() -> Exists:
    return Exists(
        Signature.objects.filter(supporter=OuterRef("pk"), state=SignatureState.CONFIRMED)
    )


def wants_updates() -> Exists:
    # The same test as standing_updates_consent and the update mailing, as one subquery.
    return Exists(Consent.objects.standing(Purpose.UPDATES).filter(supporter=OuterRef("pk")))


def _matching(query: str) -> Q:
    """Every word must appear in a name or the address; a whole address also matches its key.

    The key match finds "A.Sha+news@GoogleMail.com" when the person signed as asha@gmail.com.
    """
    condition = Q()
    for word in query.split():
        condition &= (
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(email__icontains=word)
            | Q(email_key__icontains=word)
        )
    if "@" in query:
        # Not an address after all? Then the word match above is the whole search.
        with contextlib.suppress(ValidationError, ValueError):
            condition |= Q(email_key=normalise_email(query))
    return condition


def search_supporters(
    organisation: Any,
    *,
    query: str = "",
    confirmed: bool | None = None,
    updates: bool | None = None,
    petition: Any = None,
) -> QuerySet[Supporter]:
    """The organisation's supporters, newest first, each with `signature_count`.

    One query however many rows: the filters are subqueries and the count an annotation.
    """
    supporters = Supporter.objects.for_organisation(organisation)
    query = " ".join(query.split())[:100]
    if query:
        # Erased rows hold no name or address; only their random key could match, by chance.
        supporters = supporters.active().filter(_matching(query))
    if confirmed is not None:
        supporters = supporters.filter(confirmed_signer() if confirmed else ~confirmed_signer())
    if updates is not None:
        supporters = supporters.filter(wants_updates() if updates else ~wants_updates())
    if petition is not None:
        signed = Signature.objects.filter(supporter=OuterRef("pk"), petition=petition)
        supporters = supporters.filter(Exists(signed))
    return supporters.annotate(signature_count=Count("signatures")).order_by("-created_at", "-id")


def supporter_signatures(supporter: Supporter) -> QuerySet[Signature]:
    return (
        Signature.objects.filter(supporter=supporter)
        .select_related("petition", "referred_by")
        .order_by("-created_at", "-id")
    )


def consent_history(supporter: Supporter) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(supporter=supporter)
        .select_related("wording", "petition")
        .order_by("-created_at", "-id")
    )


def reach_of(supporter: Supporter) -> Reach:
    """What the supporter's sharing generated, over the petitions they signed.

    A referral only links signatures on the same petition, so the other petitions cannot
    change the answer and are left out of the walk.
    """
    signed = Signature.objects.filter(supporter=supporter).values("petition_id")
    signatures = Signature.objects.filter(petition_id__in=signed)
    return reach_for(signatures).get(supporter.pk) or Reach(supporter.pk)


def _iso(moment: Any) -> str | None:
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
        _iso(consent.confirmed_at) or "",
        _iso(consent.withdrawn_at) or "",
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
        _iso(supporter.created_at),
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


def subject_access_data(supporter: Supporter) -> dict[str, Any]:
    """Everything held about one person, for a subject-access request.

    Other people stay out: a referral says that a share link brought them, not whose it was.
    """
    reach = reach_of(supporter)
    return {
        "organisation": {
            "name": supporter.organisation.name,
            "slug": supporter.organisation.slug,
        },
        "exported_at": _iso(timezone.now()),
        "supporter": {
            "id": supporter.pk,
            "email": supporter.email,
            "email_key": supporter.email_key,
            "given_name": supporter.given_name,
            "family_name": supporter.family_name,
            "country": supporter.country,
            "postcode": supporter.postcode,
            "public_leaderboard": supporter.public_leaderboard,
            "created_at": _iso(supporter.created_at),
            "updated_at": _iso(supporter.updated_at),
            "erased_at": _iso(supporter.erased_at),
        },
        "signatures": [
            {
                "id": signature.pk,
                "petition": {"id": signature.petition_id, "title": signature.petition.title},
                "state": signature.state,
                "comment": signature.comment,
                "wants_updates": signature.wants_updates,
                "consent_wording_id": signature.wording_id,
                "channel": signature.channel,
                "referred_by_a_supporter": signature.referred_by_id is not None,
                "referrer_data": {
                    key: value
                    for key, value in signature.referrer_data.items()
                    if key != "referrer"  # another supporter's share token
                },
                "created_at": _iso(signature.created_at),
                "confirmed_at": _iso(signature.confirmed_at),
                "confirmation_emails_sent": signature.confirmation_sends,
                "last_email_sent_at": _iso(signature.last_sent_at),
            }
            for signature in supporter_signatures(supporter).order_by("created_at", "id")
        ],
        "consents": [
            {
                "id": consent.pk,
                "purpose": consent.purpose,
                "petition": (
                    {"id": consent.petition_id, "title": consent.petition.title}
                    if consent.petition
                    else None
                ),
                "granted": consent.granted,
                "wording": {"id": consent.wording_id, "text": consent.wording.text},
                "source_url": consent.source_url,
                "channel": consent.channel,
                "created_at": _iso(consent.created_at),
                "confirmed_at": _iso(consent.confirmed_at),
                "expires_at": _iso(consent.expires_at),
                "withdrawn_at": _iso(consent.withdrawn_at),
            }
            for consent in consent_history(supporter).order_by("created_at", "id")
        ],
        "share_tokens": [
            {
                "token": share.token,
                "petition": {"id": share.petition_id, "title": share.petition.title},
                "link": personal_link(share.petition, share.token, "copy"),
                "created_at": _iso(share.created_at),
            }
            for share in ShareToken.objects.filter(supporter=supporter)
            .select_related("petition__organisation")
            .order_by("created_at", "id")
        ],
        "sharing_generated": {
            "brought_directly": reach.direct,
            "signatures_in_all": reach.downstream,
            "new_supporters": reach.new_supporters,
        },
    }


def export_own_data(supporter: Supporter) -> dict[str, Any]:
    """The subject-access export, downloaded by the person from their private page."""
    data = subject_access_data(supporter)
    record(
        organisation=supporter.organisation,
        actor=None,
        action="supporter.access_export",
        target=supporter,
        summary=_("Supporter #%(id)s downloaded the data held about them (self-service)")
        % {"id": supporter.pk},
    )
    return data


def export_supporter_data(membership: Membership, supporter: Supporter) -> dict[str, Any]:
    """The subject-access export, audited without naming the person."""
    require(membership, "supporters.export")
    _own(membership, supporter)
    data = subject_access_data(supporter)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="supporter.access_export",
        target=supporter,
        summary=_("Exported the data held about supporter #%(id)s (subject-access request)")
        % {"id": supporter.pk},
    )
    return data


def forget_waiting_signatures(supporter: Supporter) -> int:
    """Delete the person's signatures not yet recorded (same address, same organisation)."""
    return SignatureIntake.objects.filter(
        petition__organisation_id=supporter.organisation_id, email_key=supporter.email_key
    ).delete()[0]


def erase_supporter(membership: Membership | None, supporter: Supporter) -> bool:
    """Remove the person's personal data; True if this call erased them, False if already done.

    What stays is anonymous: signature rows with their states (so tallies do not move),
    referral links and share tokens (so the referral tree and links others received keep
    working), consent records without their source address (proof of what was agreed).
    A new random key frees the address: the same person may sign again as someone new.

    `membership` is None when the person erases themselves from their private page (the
    signed link is the proof); the audit entry then says it was self-service.
    """
    if membership is not None:
        require(membership, "supporters.erase")
        _own(membership, supporter)
    with transaction.atomic():
        # Signatures still waiting in the intake would re-create the person (and email them)
        # once the worker records them. Deleted first: the worker locks intake rows before
        # it touches the supporter, so taking them in the same order cannot deadlock.
        forget_waiting_signatures(supporter)
        locked = Supporter.objects.select_for_update().get(pk=supporter.pk)
        if locked.erased_at is not None:
            supporter.refresh_from_db()
            return False
        supporter.email = ""
        supporter.given_name = ""
        supporter.family_name = ""
        supporter.country = ""
        supporter.postcode = ""
        supporter.public_leaderboard = False
        supporter.email_key = f"erased:{secrets.token_hex(16)}"
        supporter.erased_at = timezone.now()
        supporter.save(
            update_fields=[
                "email", "given_name", "family_name", "country", "postcode",
                "public_leaderboard", "email_key", "erased_at", "updated_at",
            ]
        )  # fmt: skip
        signatures = list(Signature.objects.filter(supporter=supporter))
        for signature in signatures:
            signature.comment = ""
            # The landing URL and website can carry the address or name (?email=…).
            signature.referrer_data = {
                key: value
                for key, value in signature.referrer_data.items()
                if key not in ("url", "website")
            }
        Signature.objects.bulk_update(signatures, ["comment", "referrer_data"])
        consents = Consent.objects.filter(supporter=supporter)
        consents.update(source_url="")
        # Nobody is left to write to; the records still show what was agreed, and when.
        consents.filter(purpose=Purpose.UPDATES, granted=True, withdrawn_at__isnull=True).update(
            withdrawn_at=supporter.erased_at
        )
        record(
            organisation=supporter.organisation,
            actor=membership.user if membership else None,
            action="supporter.erase",
            target=supporter,
            summary=(
                _("Erased supporter #%(id)s")
                if membership
                else _("Supporter #%(id)s erased their own data (self-service)")
            )
            % {"id": supporter.pk},
        )
    return True
