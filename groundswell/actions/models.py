from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation, of_public_organisation

MILESTONE_STEPS = (1, 2.5, 5)


def next_milestone(count: int) -> int:
    """100 → 250 → 500 → 1,000 → 2,500 → …: the first milestone above `count`."""
    scale = 100
    while True:
        for step in MILESTONE_STEPS:
            milestone = int(step * scale)
            if milestone > count:
                return milestone
        scale *= 10


class PetitionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    DELIVERED = "delivered", _("Delivered")
    WON = "won", _("Won")


class PetitionQuerySet(models.QuerySet["Petition"]):
    def for_organisation(self, organisation: Organisation | int) -> PetitionQuerySet:
        return self.filter(organisation=organisation)

    def public(self) -> PetitionQuerySet:
        return self.filter(
            of_public_organisation(), campaign__status__in=("live", "closed", "won")
        ).select_related("organisation", "campaign", "tally", "consent_wording", "updates_wording")


class Petition(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="petitions"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="petitions"
    )
    title = models.CharField(_("title"), max_length=200)
    ask = models.TextField(_("what we ask"), max_length=5000)
    target_name = models.CharField(_("decision-maker"), max_length=200)
    target_role = models.CharField(_("their role"), max_length=200, blank=True)
    target_email = models.EmailField(_("their email"), blank=True)
    goal = models.PositiveIntegerField(_("goal"), default=1000)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    collect_country = models.BooleanField(_("ask for country"), default=False)
    collect_postcode = models.BooleanField(_("ask for postcode"), default=False)
    collect_comment = models.BooleanField(_("ask for a comment"), default=False)
    consent_wording = models.ForeignKey(
        "supporters.ConsentWording", on_delete=models.PROTECT, related_name="+"
    )
    updates_wording = models.ForeignKey(
        "supporters.ConsentWording", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=PetitionStatus.choices, default=PetitionStatus.OPEN
    )
    # Staff switch this on for a petition under attack (petitions.set_challenge): its form
    # then asks the browser for a proof of work (lib/proofofwork.py), and a signature sent
    # without one waits, uncounted, until its email is confirmed (signals.py).
    challenge = models.BooleanField(_("browser check"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("actions:petition", args=[self.organisation.slug, self.pk])

    @property
    def accepting_signatures(self) -> bool:
        if self.status != PetitionStatus.OPEN:
            return False
        return self.deadline is None or self.deadline > timezone.now()


class SignatureState(models.TextChoices):
    PENDING = "pending", _("Waiting for email confirmation")
    CONFIRMED = "confirmed", _("Confirmed")


class Signature(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures")
    supporter = models.ForeignKey(
        "supporters.Supporter", on_delete=models.CASCADE, related_name="signatures"
    )
    state = models.CharField(
        max_length=10, choices=SignatureState.choices, default=SignatureState.PENDING
    )
    comment = models.CharField(max_length=500, blank=True)
    wording = models.ForeignKey("supporters.ConsentWording", on_delete=models.PROTECT)
    wants_updates = models.BooleanField(default=False)
    # Who brought this person, and how: OSDI referrer_data (source, referrer, website, url).
    referred_by = models.ForeignKey(
        "supporters.Supporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_signatures",
    )
    referrer_data = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=40, blank=True)
    # Confirmation emails asked for (the first, plus re-sends on repeat signatures) and
    # actually handed to the mail server: the difference is what a crash left unsent.
    confirmation_sends = models.PositiveSmallIntegerField(default=0)
    confirmations_delivered = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # "You have already signed" emails, asked for by repeat signatures (at most one per
    # REPEAT_NOTICE_EVERY, so the form cannot flood an inbox) and handed to the mail server.
    repeat_notices = models.PositiveSmallIntegerField(default=0)
    repeat_notices_delivered = models.PositiveSmallIntegerField(default=0)
    last_repeat_notice_at = models.DateTimeField(null=True, blank=True)
    # A mail server that puts this person's address off (a 4xx to RCPT) has its email
    # tried again at `email_retry_at` (tasks.EMAIL_RETRY), so it does not head every batch.
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_retry_at = models.DateTimeField(null=True, blank=True)
    # What the worker noticed about how the form was sent (signals.Signal bits: too fast,
    # no stamp, honeypot filled, no proof of work, a proof used before, a stamp reused or
    # old), for staff to review. Nothing is dropped for them; the unverified ones count
    # once confirmed.
    signals = models.PositiveIntegerField(default=0)
    # The `<seed>:<nonce>` of the proof of work this signature came with, so that a second
    # signature with the same one is seen (lib/proofofwork.py).
    proof_key = models.CharField(max_length=48, blank=True, default="")
    # The random key of the form stamp it came with, so that many signatures sent with one
    # stamp are seen (lib/formtiming.py, signals.STAMP_SHARED).
    stamp_key = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Where it came from, written by the worker with the row (intake.py): the signer's
    # network as its /24 or /64, never the address (cleared after the retention period),
    # and the domain of the email address. The fraud app's trends and invalidations read them.
    network = models.CharField(max_length=49, blank=True, default="")
    email_domain = models.CharField(max_length=253, blank=True, default="")
    # Set by a bulk invalidation (groundswell/fraud): such a signature counts nowhere public.
    invalidated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "supporter"], name="one_signature_each")
        ]
        indexes = [
            models.Index(fields=["petition", "state"]),
            models.Index(fields=["proof_key"], condition=~Q(proof_key=""), name="signature_proof"),
            models.Index(fields=["stamp_key"], condition=~Q(stamp_key=""), name="signature_stamp"),
        ]

    def __str__(self) -> str:
        return f"{self.supporter_id} on {self.petition_id} ({self.state})"


class SignatureIntake(models.Model):
    """A signature as it arrived from the web form, before the worker records it.

    The request does exactly one INSERT here (guarded by the unique constraint) and answers;
    `process_intake` turns rows into supporters, signatures, consents, share tokens and
    emails in batches, then deletes them. So a row holds personal data for seconds only.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    email_key = models.CharField(max_length=254)
    payload = models.JSONField()
    share_token = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "email_key"], name="one_intake_each")
        ]

    def __str__(self) -> str:
        return f"intake {self.pk} for petition {self.petition_id}"


class PetitionTally(models.Model):
    """Counts recomputed in batches by a task; pages read this, never COUNT(*) per request."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="tally")
    confirmed = models.PositiveIntegerField(default=0)
    # Shown to the public: waiting for their email confirmation, the unverified left out.
    pending = models.PositiveIntegerField(default=0)
    # Staff only: sent without a proof of work (or with a used one) while the petition asked
    # for one, and not confirmed yet. They join `confirmed` when confirmed by email.
    unverified = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.confirmed} confirmed, {self.pending} pending"


class PetitionUpdate(models.Model):
    """News from staff, emailed to confirmed signers who agreed to hear more."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="updates")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=10_000)
    author = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)
    # Sent in steps by tasks.send_updates: signatures up to `listed_to` have a delivery row
    # (`listed` once all have); a step holds the update's named lease (`holder` until
    # `until`, lib/leases.py), so two steps never send it at once; `finished_at` once every
    # delivery is done.
    listed_to = models.BigIntegerField(default=0)
    listed = models.BooleanField(default=False)
    holder = models.CharField(max_length=100, blank=True, default="")
    until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why sending stopped: the safety check flagged the text at the moment of sending and no
    # override covered it. Held updates are skipped until an owner or a safety officer lets
    # the text out (services.release_update), which clears this.
    held_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject

    @property
    def safety_text(self) -> str:
        """What the safety guard reads: everything the email says in the staff's words."""
        return f"{self.subject}\n\n{self.body}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (unsubscribed or erased meanwhile)")
    REFUSED = "refused", _("Not sent (the mail server kept putting it off)")


class UpdateDelivery(models.Model):
    """One update to one person: written before it is sent, marked sent once the mail server
    has taken it. The row is what makes a resumed sending skip whoever had it already."""

    update = models.ForeignKey(PetitionUpdate, on_delete=models.CASCADE, related_name="+")
    supporter = models.ForeignKey(
        "supporters.Supporter", on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # A mail server that puts this address off (a 4xx to RCPT) has it tried again at
    # `retry_at` (tasks.EMAIL_RETRY); REFUSED once the tries are used up.
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["update", "supporter"], name="one_delivery_each")
        ]
        indexes = [models.Index(fields=["update", "state"])]

    def __str__(self) -> str:
        return f"update {self.update_id} to {self.supporter_id}: {self.state}"
