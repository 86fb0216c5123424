from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.lib import formtiming
from groundswell.lib.emails import email_domain, normalise_email
from groundswell.referrals.models import ShareToken
from groundswell.supporters import services as supporters
from groundswell.supporters.models import Consent, Purpose, Supporter

from .models import (
    Petition,
    PetitionTally,
    Signature,
    SignatureIntake,
    SignatureState,
)
from .signals import with_unverified

# A repeat signature earns the address one "you have already signed" email (its share link,
# and the confirmation link while it is pending) per petition in this long at most: anyone
# can type someone else's address into the form.
REPEAT_NOTICE_EVERY = timedelta(hours=12)


@dataclass
class SignatureRequest:
    """What a person sent, from the web form or the OSDI helper: already validated."""

    email: str
    given_name: str
    family_name: str = ""
    country: str = ""
    postcode: str = ""
    comment: str = ""
    wants_updates: bool = False
    referral_token: str = ""
    referrer_data: dict[str, str] = field(default_factory=dict)
    source_url: str = ""
    # Raw facts from the web form, for the worker's signals (signals.py); the request only
    # copies them. `shown` is the form's signed render stamp ("" if the post had none, None
    # when not from the web form); `proof` the key of a checked proof of work.
    shown: str | None = None
    honeypot: bool = False
    proof_wanted: bool = False
    proof: str = ""
    # The sender's /24 or /64 (lib.addresses.client_range): the request reads it from its
    # headers, no query; the worker stores it on the signature.
    network: str = ""


@dataclass
class SignatureResult:
    signature: Signature
    share_token: ShareToken
    created: bool


def referrer_id(petition: Petition, token: str, supporter_id: int | None) -> int | None:
    """The supporter whose share link brought this person, if the token is for this petition."""
    if not token:
        return None
    shares = ShareToken.objects.filter(token=token[:32])
    return credited(
        shares.values_list("supporter_id", "petition_id").first(), petition, supporter_id
    )


def credited(
    share: tuple[int, int] | None, petition: Petition, supporter_id: int | None
) -> int | None:
    """A share link (supporter id, petition id) credits its holder for this petition only,
    and never for their own signature."""
    if share is None or share[1] != petition.pk or share[0] == supporter_id:
        return None
    return share[0]


def supporter_details(request: SignatureRequest) -> dict[str, str]:
    return {
        "given_name": request.given_name[:100],
        "family_name": request.family_name[:100],
        "country": request.country[:2].upper(),
        "postcode": request.postcode[:20],
    }


def new_signature(
    petition: Petition,
    supporter_id: int,
    request: SignatureRequest,
    referred_by: int | None,
    signals: int = 0,
) -> Signature:
    """The unsaved row for a first signature (the single and the bulk path share it)."""
    data = {
        "source": request.referrer_data.get("source", "")[:40],
        "referrer": request.referrer_data.get("referrer", "")[:64],
        "website": request.referrer_data.get("website", "")[:200],
        "url": request.referrer_data.get("url", "")[:2000],
    }
    return Signature(
        petition=petition,
        supporter_id=supporter_id,
        comment=request.comment[:500],
        wording=petition.consent_wording,
        wants_updates=request.wants_updates,
        referred_by_id=referred_by,
        referrer_data={k: v for k, v in data.items() if v},
        channel=data["source"],
        network=request.network[:49],
        email_domain=email_domain(request.email)[:253],
        confirmation_sends=1,
        last_sent_at=timezone.now(),
        signals=signals,
        proof_key=request.proof[:48],
        stamp_key=formtiming.key_of(request.shown),
    )


def new_consents(signature: Signature, request: SignatureRequest) -> list[Consent]:
    """The unsaved consent records a first signature gives: the petition's, and updates."""
    petition = signature.petition
    return [
        supporters.new_consent(
            signature.supporter_id,
            purpose=purpose,
            wording=wording,
            granted=granted,
            petition=petition,
            source_url=request.source_url,
            channel=signature.channel,
        )
        for purpose, wording, granted in (
            (Purpose.PETITION, petition.consent_wording, True),
            (Purpose.UPDATES, petition.updates_wording, request.wants_updates),
        )
    ]


def sign_petition(
    petition: Petition,
    request: SignatureRequest,
    *,
    share_token: str = "",
    check_open: bool = True,
    signals: int = 0,
) -> SignatureResult:
    """Record one signature and queue its confirmation email.

    Signing twice is not an error: the address is sent a "you have already signed" email
    with its share link (and the confirmation link while pending), at most once per
    REPEAT_NOTICE_EVERY; the stored person is never changed.
    """
    if check_open and not petition.accepting_signatures:
        raise ValidationError(_("This petition is closed and no longer takes signatures."))
    with transaction.atomic():
        supporter = supporters.find_or_create_supporter(
            petition.organisation,
            email=request.email,
            email_key=normalise_email(request.email),
            **supporter_details(request),
        )
        referrer = referrer_id(petition, request.referral_token, supporter.pk)
        try:
            with transaction.atomic():
                signature = new_signature(petition, supporter.pk, request, referrer, signals)
                signature.save(force_insert=True)
        except IntegrityError:
            signature = Signature.objects.get(petition=petition, supporter=supporter)
            created = False
        else:
            created = True
        share = share_token_for(supporter, petition, share_token)
        if created:
            Consent.objects.bulk_create(new_consents(signature, request))
        else:
            # Claimed with a conditional update, so two quick resubmissions cannot both send;
            # the time is recorded on the row, so the limit holds across workers and restarts.
            now = timezone.now()
            Signature.objects.filter(
                Q(last_repeat_notice_at__isnull=True)
                | Q(last_repeat_notice_at__lte=now - REPEAT_NOTICE_EVERY),
                pk=signature.pk,
            ).update(repeat_notices=F("repeat_notices") + 1, last_repeat_notice_at=now)
        # The signature row itself says an email is owed (sends > delivered): the periodic
        # send_confirmations task finds it there, so no task row is written per signature.
    return SignatureResult(signature=signature, share_token=share, created=created)


def is_share_token_of(petition: Petition, token: str) -> bool:
    """Whether `token` was handed out for `petition`, still in the intake or recorded.

    The thank-you page asks only this. Whether the address had signed before is never shown:
    anyone can type anyone's address, and which petitions a person signed is theirs to tell.
    The email that address receives says it instead.
    """
    return (
        SignatureIntake.objects.filter(share_token=token, petition=petition).exists()
        or ShareToken.objects.filter(token=token, petition=petition).exists()
    )


def first_share_token(supporter: Supporter, petition: Petition) -> ShareToken:
    """The link the person was given when they first signed (the one others have)."""
    first = ShareToken.objects.filter(supporter=supporter, petition=petition).order_by("id").first()
    return first or ShareToken.objects.create(supporter=supporter, petition=petition)


def share_token_for(supporter: Supporter, petition: Petition, token: str = "") -> ShareToken:
    """The supporter's link for this petition: the one promised on the thank-you page, if any."""
    if token:
        share, _created = ShareToken.objects.get_or_create(
            token=token, defaults={"supporter": supporter, "petition": petition}
        )
        return share
    existing = ShareToken.objects.filter(supporter=supporter, petition=petition).first()
    return existing or ShareToken.objects.create(supporter=supporter, petition=petition)


def signature_to_confirm(signature_id: int) -> Signature | None:
    """The signature an emailed confirmation link names, with what its pages show."""
    return (
        Signature.objects.select_related("petition__organisation", "supporter")
        .filter(pk=signature_id)
        .first()
    )


def confirm_signature(signature_id: int) -> Signature | None:
    """Mark the signature confirmed (idempotent; never for an erased person); None if it no
    longer exists."""
    signature = signature_to_confirm(signature_id)
    if signature is None:
        return None
    with transaction.atomic():
        # An erased person's old link must not confirm: nobody is left to have agreed.
        moved = Signature.objects.filter(
            pk=signature.pk, state=SignatureState.PENDING, supporter__erased_at__isnull=True
        ).update(
            state=SignatureState.CONFIRMED,
            confirmed_at=timezone.now(),
            # update() skips auto_now; the recount finds changed petitions by this column.
            updated_at=timezone.now(),
        )
        if moved:
            supporters.confirm_consents(signature.supporter, signature.petition)
            signature.refresh_from_db()
    return signature


def recount(petition_id: int) -> PetitionTally:
    """Recompute one petition's confirmed and pending counts (batch work, never per request).

    Pending includes signatures taken in and not yet recorded: under a spike the worker
    may be minutes behind, and the public count must not be. A repeat waiting there (the
    address has a signature on this petition already) is not counted again.
    """
    # Stamped with the moment counting began: a change committed while we count is newer
    # than the tally, so the next run counts again. (One committed later with an older
    # timestamp is left to `reconcile_tallies`.)
    started = timezone.now()
    pending = Q(state=SignatureState.PENDING)
    # An invalidated signature (groundswell/fraud) counts nowhere public.
    valid = Signature.objects.filter(petition_id=petition_id, invalidated_at__isnull=True)
    counts = with_unverified(valid).aggregate(
        confirmed=Count("id", filter=Q(state=SignatureState.CONFIRMED)),
        pending=Count("id", filter=pending & Q(_unverified=0)),
        unverified=Count("id", filter=pending & Q(_unverified__gt=0)),
    )
    # Looked up from the person's (organisation, email_key) key, then their signature: asked
    # the other way round (this petition's signatures, then each one's person) SQLite walked
    # every signature for every waiting row, 29 s a recount at 28,000 waiting and 10,000
    # signed, which starved the worker's intake and emails behind it under a spike.
    # get(), not first(): a tally is only ever written for a petition that exists.
    organisation_id = Petition.objects.values_list("organisation_id", flat=True).get(pk=petition_id)
    signed_already = Supporter.objects.filter(
        organisation_id=organisation_id,
        email_key=OuterRef("email_key"),
        signatures__petition_id=petition_id,
    )
    # Sent without the proof of work the petition asked for: unverified from the start.
    unproven = Q(payload__proof_wanted=True, payload__proof="")
    waiting = (
        SignatureIntake.objects.filter(petition_id=petition_id)
        .exclude(Exists(signed_already))
        .aggregate(all=Count("id"), unproven=Count("id", filter=unproven))
    )
    tally, _created = PetitionTally.objects.update_or_create(
        petition_id=petition_id,
        defaults={
            "confirmed": counts["confirmed"],
            "pending": counts["pending"] + waiting["all"] - waiting["unproven"],
            "unverified": counts["unverified"] + waiting["unproven"],
            "computed_at": started,
        },
    )
    return tally


def tallies_to_reconcile(older_than: timedelta, limit: int) -> list[int]:
    """Petitions whose tally was last computed longest ago (at least `older_than`).

    Recounting them from the rows corrects any drift the change-driven recount missed
    (a commit that landed with an older timestamp than the tally, a row changed by hand).
    """
    cutoff = timezone.now() - older_than
    return list(
        PetitionTally.objects.filter(computed_at__lt=cutoff)
        .order_by("computed_at")
        .values_list("petition_id", flat=True)[:limit]
    )


def petitions_needing_recount() -> list[int]:
    """Petitions whose signatures changed since their tally was computed (or never counted),
    and those with signatures still waiting in the intake."""
    stale = Petition.objects.filter(
        Q(tally__isnull=True) | Q(signatures__updated_at__gt=F("tally__computed_at"))
    )
    taking_in = SignatureIntake.objects.values_list("petition_id", flat=True).distinct()
    return sorted({*stale.values_list("pk", flat=True).distinct(), *taking_in})


# --- Erasure: the signatures' part of erasing a person ---------------------------------------
# supporters.erasure.erase_supporter calls these inside its one transaction, in this order.


def forget_waiting_signatures(supporter: Supporter) -> int:
    """Delete the person's signatures not yet recorded (same address, same organisation).

    Call it before locking the supporter row: the intake worker locks intake rows before it
    touches the supporter, so an erasure that takes them in the same order cannot deadlock.
    Returns how many were deleted.
    """
    return SignatureIntake.objects.filter(
        petition__organisation_id=supporter.organisation_id, email_key=supporter.email_key
    ).delete()[0]


def erase_signatures(supporter: Supporter) -> int:
    """Strip from the person's signatures what could name them; returns how many rows.

    The rows stay, with their petitions, states and referral links, so tallies and the
    referral tree do not move. Gone: the comment, and the landing URL and website of the
    referrer data, which can carry an address or a name (`?email=…`). The share token that
    brought them stays: it points at another supporter's row, which says nothing about them.
    The network range and the email domain go too: with the time, they narrow a person down.
    """
    signatures = list(Signature.objects.filter(supporter=supporter))
    for signature in signatures:
        signature.comment = ""
        signature.network = signature.email_domain = ""
        signature.referrer_data = {
            key: value
            for key, value in signature.referrer_data.items()
            if key not in ("url", "website")
        }
    Signature.objects.bulk_update(
        signatures, ["comment", "referrer_data", "network", "email_domain"]
    )
    return len(signatures)
