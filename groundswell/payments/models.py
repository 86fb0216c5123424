"""Donations through a provider's hosted checkout: we never see card data.

A donation is one row from the moment the form is sent (one INSERT, `state=new`); the worker
opens the provider's checkout for it and the person's browser, waiting on our page, follows
the checkout's address once it is there. Money moves only on the provider's signed webhooks
(`ProviderEvent`, stored once per event id), each paid charge a `Payment` row.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import of_public_organisation

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def new_token() -> str:
    # 16 random bytes: unguessable, and says nothing about who holds it.
    return secrets.token_urlsafe(16)


class ProviderName(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    RAZORPAY = "razorpay", "Razorpay"


# Where a donation's money went through: a provider's checkout, or recorded through the API
# (taken elsewhere: cash, a cheque, another platform) by an organisation's integration.
RECORDED = "api"
SOURCES = [*ProviderName.choices, (RECORDED, _("Recorded through the API"))]


class PaymentAccount(models.Model):
    """An organisation's account with one provider; the secrets are stored sealed."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="payment_accounts"
    )
    provider = models.CharField(max_length=10, choices=ProviderName.choices)
    # Razorpay's key id (sent with every API call, shown on its checkout); Stripe has none.
    key_id = models.CharField(max_length=100, blank=True)
    api_key_sealed = models.TextField()
    webhook_secret_sealed = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "provider"], name="one_account_per_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} for {self.organisation_id}"


class AppealQuerySet(models.QuerySet["Appeal"]):
    def public(self) -> AppealQuerySet:
        return self.filter(
            of_public_organisation(), campaign__status="live", open=True
        ).select_related("organisation", "campaign")


class Appeal(models.Model):
    """A campaign's ask for money: its currency, provider and suggested amounts."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="appeals"
    )
    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="appeal"
    )
    provider = models.CharField(_("payment provider"), max_length=10, choices=ProviderName.choices)
    currency = models.CharField(_("currency"), max_length=3)
    # Minor units (pence, paise, cents), smallest first.
    suggested = models.JSONField(_("suggested amounts"), default=list)
    monthly = models.BooleanField(_("offer a monthly gift"), default=True)
    gift_aid = models.BooleanField(_("offer Gift Aid (UK taxpayers, GBP only)"), default=False)
    # The exact declaration donors tick (an immutable wording): consents point at it.
    gift_aid_wording = models.ForeignKey(
        "supporters.ConsentWording",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    open = models.BooleanField(_("taking donations"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppealQuerySet.as_manager()

    def __str__(self) -> str:
        return f"appeal of campaign {self.campaign_id}"

    def get_absolute_url(self) -> str:
        return reverse("payments:donate", args=[self.organisation.slug, self.campaign.slug])


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    MONTHLY = "monthly", _("Monthly")


class DonationState(models.TextChoices):
    NEW = "new", _("Opening the payment page")
    OPENING = "opening", _("Opening the payment page")
    OPEN = "open", _("Waiting for payment")
    PAID = "paid", _("Paid")
    ACTIVE = "active", _("Monthly gift running")
    FAILED = "failed", _("Payment failed")
    EXPIRED = "expired", _("Not completed")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Monthly gift cancelled")
    UNAVAILABLE = "unavailable", _("The payment page could not be opened")


class DonationQuerySet(models.QuerySet["Donation"]):
    def for_organisation(self, organisation: Organisation | int) -> DonationQuerySet:
        return self.filter(organisation=organisation)

    def counted(self) -> DonationQuerySet:
        """Donations whose money arrived (and was not given back)."""
        return self.filter(state__in=(DonationState.PAID, DonationState.ACTIVE))


class Donation(models.Model):
    """One gift, once or monthly, from the form's INSERT to its last webhook."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="donations"
    )
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="donations")
    # Filled by the worker from the details below (find or create, as the sign path does).
    supporter = models.ForeignKey(
        "supporters.Supporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="donations",
    )
    # The page the donor waits on and returns to: the token is the proof it is theirs.
    token = models.CharField(max_length=32, unique=True, default=new_token)
    # Their personal share link for the appeal, credited to them.
    share_token = models.CharField(max_length=32, unique=True, default=new_token)
    email = models.EmailField(max_length=254, blank=True)
    email_key = models.CharField(max_length=254, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=12, blank=True)
    provider = models.CharField(max_length=10, choices=SOURCES)
    amount = models.PositiveIntegerField()  # minor units
    currency = models.CharField(max_length=3)
    # The identifier an API client gave a donation it records (OSDI "system:id"): the same
    # identifier again is the same donation (record_donation_helper is idempotent on it).
    external_id = models.CharField(max_length=255, blank=True)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    state = models.CharField(
        max_length=12, choices=DonationState.choices, default=DonationState.NEW
    )
    # The provider's checkout: its id (Stripe session, Razorpay order) and the address the
    # donor is sent to. `opening_since` is the worker's claim, so a killed worker's claim
    # is taken again later (the provider's idempotency key makes that harmless).
    checkout_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    # The fields of the form the donor's browser posts to the checkout (Razorpay), if any.
    checkout_form = models.JSONField(default=dict, blank=True)
    opening_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    problem = models.CharField(max_length=300, blank=True)
    subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    # Who brought them: the share token as it came (resolved by the worker), OSDI referrer_data.
    referral_token = models.CharField(max_length=64, blank=True)
    referred_by = models.ForeignKey(
        "supporters.Supporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_donations",
    )
    referrer_data = models.JSONField(default=dict, blank=True)
    gift_aid = models.BooleanField(default=False)
    # What a Gift Aid claim names (HMRC's schedule): kept only with a declaration.
    title = models.CharField(max_length=4, blank=True)
    house = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Once the erasure or retention left only what the law asks to be kept.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = DonationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=~models.Q(external_id=""),
                name="one_recorded_donation_each",
            )
        ]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["organisation", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"donation {self.pk} ({self.state})"


class Payment(models.Model):
    """Money that arrived for a donation: the one charge of a single gift, each month's
    invoice of a monthly one. Unique on the provider's reference, so a webhook repeated
    under another event id cannot count a charge twice."""

    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=10, choices=SOURCES)
    reference = models.CharField(max_length=255)
    # The charge behind it where the provider names it apart (a Stripe payment intent):
    # refunds name the charge.
    charge = models.CharField(max_length=255, blank=True, db_index=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    paid_at = models.DateTimeField()
    refunded = models.PositiveIntegerField(default=0)
    receipt_sent = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="one_payment_each")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for donation {self.donation_id}"


class EventState(models.TextChoices):
    RECEIVED = "received", _("Received")
    APPLIED = "applied", _("Applied")
    IGNORED = "ignored", _("Nothing to do")


class ProviderEvent(models.Model):
    """A webhook whose signature verified, stored before it is acted on (once per id)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    provider = models.CharField(max_length=10, choices=ProviderName.choices)
    event_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=100)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=EventState.choices, default=EventState.RECEIVED)
    note = models.CharField(max_length=300, blank=True)
    # An event whose donation is not known yet (events arrive in any order) is tried again.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "provider", "event_id"], name="one_event_each"
            )
        ]
        indexes = [models.Index(fields=["state", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.event_id}"


class PledgeKind(models.TextChoices):
    MONEY = "money", _("Money")
    TIME = "time", _("Time")


class PledgeState(models.TextChoices):
    PROMISED = "promised", _("Promised")
    REMINDED = "reminded", _("Reminded")
    FULFILLED = "fulfilled", _("Kept")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Pledge(models.Model):
    """A promise of money or time, made now and kept later: one INSERT from the form; a
    reminder email on the chosen day with a link to pay (money) or to say it is done."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="pledges"
    )
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="pledges")
    token = models.CharField(max_length=32, unique=True, default=new_token)
    kind = models.CharField(max_length=10, choices=PledgeKind.choices)
    amount = models.PositiveIntegerField(default=0)  # minor units, for money
    currency = models.CharField(max_length=3, blank=True)
    hours = models.PositiveSmallIntegerField(default=0)  # for time
    what = models.CharField(max_length=300, blank=True)  # what they will do, for time
    remind_on = models.DateField()
    email = models.EmailField(max_length=254, blank=True)
    email_key = models.CharField(max_length=254, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=12, blank=True)
    state = models.CharField(
        max_length=10, choices=PledgeState.choices, default=PledgeState.PROMISED
    )
    donation = models.OneToOneField(
        Donation, null=True, blank=True, on_delete=models.SET_NULL, related_name="pledge"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "remind_on"])]

    def __str__(self) -> str:
        return f"pledge {self.pk} ({self.kind}, {self.state})"
