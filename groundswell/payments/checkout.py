"""The worker's half of giving: open the provider's checkout for each new donation.

The donate form stored the donation (`new`) and sent the donor to a page that waits. Here,
on the network queue, each new donation is claimed (`new → opening`, a conditional UPDATE),
its supporter found or created as the sign path does, who brought them resolved, and the
provider asked for a checkout through lib/http.py; the checkout's address is stored
(`opening → open`) and the waiting page sends the donor there. A provider that does not
answer is asked again up to MAX_ATTEMPTS times (Stripe's idempotency key gives the same
checkout back; Razorpay has no such key, so a retry after a lost answer may leave an unused
order, or for a monthly gift an unused plan and subscription, in the organisation's Razorpay
account: the donor is only ever taken to the last one, so nobody pays twice). One that
refuses, or an organisation with no keys, leaves the donation `unavailable` with the reason,
which the donor's page explains.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from groundswell.lib import leases, sealed, worklog
from groundswell.referrals.models import ShareToken
from groundswell.supporters.models import Purpose, Supporter
from groundswell.supporters.services import find_or_create_supporter, new_consent

from . import providers
from .models import Donation, DonationState, PaymentAccount
from .providers.common import Retry
from .services import secrets_of

CLAIM = timedelta(seconds=60)
MAX_ATTEMPTS = 5
BATCH = 20


def open_waiting(limit: int = BATCH) -> int:
    """Open checkouts for up to `limit` donations waiting for one; how many were tried."""
    moment = leases.now()
    waiting = Q(state=DonationState.NEW) | Q(
        state=DonationState.OPENING, opening_since__lt=moment - CLAIM
    )
    tried = 0
    for pk in (
        Donation.objects.filter(waiting).order_by("created_at").values_list("pk", flat=True)[:limit]
    ):
        claimed = Donation.objects.filter(waiting, pk=pk).update(
            state=DonationState.OPENING, opening_since=moment, attempts=F("attempts") + 1
        )
        if claimed:
            open_one(Donation.objects.select_related("appeal__campaign", "organisation").get(pk=pk))
            tried += 1
    worklog.did("opened", tried, "checkouts")
    return tried


def open_one(donation: Donation) -> None:
    if donation.supporter_id is None:
        _record_donor(donation)
    account = PaymentAccount.objects.filter(
        organisation_id=donation.organisation_id, provider=donation.provider
    ).first()
    if account is None:
        _unavailable(donation, "the organisation has not connected this payment provider")
        return
    try:
        api_key, _secret = secrets_of(account)
    except sealed.Unreadable:
        _unavailable(donation, "the stored keys cannot be read: connect the provider again")
        return
    provider = providers.get(donation.provider)
    try:
        checkout = provider.open_checkout(
            providers.Credentials(key_id=account.key_id, api_key=api_key), _request(donation)
        )
    except Retry as error:
        if donation.attempts >= MAX_ATTEMPTS:
            _unavailable(donation, str(error))
        else:
            # Left `opening`: the claim runs out after CLAIM and the next run asks again.
            Donation.objects.filter(pk=donation.pk).update(problem=str(error)[:300])
        return
    except providers.Unavailable as error:
        _unavailable(donation, str(error))
        return
    Donation.objects.filter(pk=donation.pk, state=DonationState.OPENING).update(
        state=DonationState.OPEN,
        checkout_id=checkout.id,
        checkout_url=checkout.url,
        checkout_form=checkout.form,
        problem="",
    )


def _request(donation: Donation) -> providers.CheckoutRequest:
    appeal = donation.appeal
    org = donation.organisation.slug
    page = reverse("payments:donation", args=[org, donation.token])
    return providers.CheckoutRequest(
        donation=donation.token,
        amount=donation.amount,
        currency=donation.currency,
        monthly=donation.frequency == "monthly",
        description=f"{donation.organisation.name}: {appeal.campaign.title}",
        email=donation.email,
        return_url=f"{settings.SITE_URL}{reverse('payments:thanks', args=[org, donation.token])}",
        cancel_url=f"{settings.SITE_URL}{page}?cancelled=1",
    )


def _record_donor(donation: Donation) -> None:
    """The supporter behind the donation, and who brought them (as signing does)."""
    with transaction.atomic():
        supporter = find_or_create_supporter(
            donation.organisation,
            email=donation.email,
            email_key=donation.email_key,
            given_name=donation.given_name,
            family_name=donation.family_name,
        )
        referrer = _referrer(donation, supporter)
        Donation.objects.filter(pk=donation.pk).update(supporter=supporter, referred_by=referrer)
        wording = donation.appeal.gift_aid_wording
        if donation.gift_aid and wording is not None:
            # The declaration, in the words ticked; given with the gift, so it holds at once.
            consent = new_consent(
                supporter.pk, purpose=Purpose.GIFT_AID, wording=wording, granted=True
            )
            consent.confirmed_at = donation.created_at
            consent.save()
    donation.supporter, donation.referred_by = supporter, referrer


def _referrer(donation: Donation, supporter: Supporter) -> Supporter | None:
    """The holder of the share link the donor came by: a donor's or a signer's link of the
    same organisation. Nobody is credited for their own gift."""
    token = donation.referral_token
    if not token:
        return None
    found = (
        Donation.objects.filter(organisation_id=donation.organisation_id, share_token=token)
        .values_list("supporter_id", flat=True)
        .first()
    ) or (
        ShareToken.objects.filter(petition__organisation_id=donation.organisation_id, token=token)
        .values_list("supporter_id", flat=True)
        .first()
    )
    if not found or found == supporter.pk:
        return None
    return Supporter.objects.filter(pk=found, erased_at__isnull=True).first()


def _unavailable(donation: Donation, reason: str) -> None:
    Donation.objects.filter(pk=donation.pk, state=DonationState.OPENING).update(
        state=DonationState.UNAVAILABLE, problem=reason[:300]
    )
