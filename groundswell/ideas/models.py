"""Idea challenges: a question, the public's ideas, their comments, votes and pledges.

Every contribution is taken without an account and counts only once its email address is
confirmed (the emailed link); ideas and comments are shown only once the moderation queue
approved them (moderated.py). Votes go through the same lean path as signatures: the
request stores one `VoteIntake` row and the worker records the vote (intake.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import of_public_organisation
from groundswell.referrals.models import new_token

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


class ChallengeQuerySet(models.QuerySet["Challenge"]):
    def for_organisation(self, organisation: Organisation | int) -> ChallengeQuerySet:
        return self.filter(organisation=organisation)

    def public(self) -> ChallengeQuerySet:
        """Challenges of an approved organisation, outside any campaign or in a public one."""
        return self.filter(
            of_public_organisation(),
            Q(campaign__isnull=True) | Q(campaign__status__in=("live", "closed", "won")),
        ).select_related("organisation", "campaign", "updates_wording")


class ChallengeState(models.TextChoices):
    UPCOMING = "upcoming", _("Not open yet")
    OPEN = "open", _("Open for ideas")
    CLOSED = "closed", _("Closed")


class Challenge(models.Model):
    """A question put to the public, open between two moments (its state follows them)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="challenges"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="challenges",
        verbose_name=_("campaign"),
    )
    question = models.CharField(_("question"), max_length=200)
    description = models.TextField(_("more about it"), max_length=5000, blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # Pledges towards ideas are in this currency (minor units), or hours.
    currency = models.CharField(_("currency of pledges"), max_length=3, default="GBP")
    # The words shown beside "email me when an idea I took part in changes".
    updates_wording = models.ForeignKey(
        "supporters.ConsentWording", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChallengeQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-pk"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("ideas:challenge", args=[self.organisation.slug, self.pk])

    @property
    def state(self) -> str:
        now = timezone.now()
        if now < self.opens_at:
            return ChallengeState.UPCOMING
        if now >= self.closes_at:
            return ChallengeState.CLOSED
        return ChallengeState.OPEN

    @property
    def is_open(self) -> bool:
        return self.state == ChallengeState.OPEN


class Confirmation(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for email confirmation")
    CONFIRMED = "confirmed", _("Confirmed")


class IdeaStatus(models.TextChoices):
    NEW = "new", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class IdeaQuerySet(models.QuerySet["Idea"]):
    def shown(self) -> IdeaQuerySet:
        """Confirmed by their author and approved by a moderator: what the public sees."""
        return self.filter(
            state=Confirmation.CONFIRMED, moderation__state="approved"
        ).select_related("challenge__organisation")


class Contribution(models.Model):
    """What every contribution keeps about its author until the worker knows them."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    # Set when the address is confirmed (the organisation's one record for the person).
    supporter = models.ForeignKey(
        "supporters.Supporter", null=True, blank=True, on_delete=models.SET_NULL
    )
    email = models.EmailField(max_length=254, blank=True)
    email_key = models.CharField(max_length=254, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    # The language the page was in when they wrote (BCP 47), as every submitter's is kept.
    language = models.CharField(max_length=35, blank=True)
    wants_updates = models.BooleanField(default=False)
    state = models.CharField(
        max_length=12, choices=Confirmation.choices, default=Confirmation.UNCONFIRMED
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Idea(Contribution):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(_("your idea in a line"), max_length=150)
    body = models.TextField(_("tell us more"), max_length=5000)
    moderation = models.ForeignKey(
        "moderation.ModerationItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The author's own share link for their idea: votes it brings are credited to them.
    share_token = models.CharField(max_length=32, unique=True, default=new_token)
    status = models.CharField(max_length=12, choices=IdeaStatus.choices, default=IdeaStatus.NEW)
    status_reason = models.CharField(max_length=1000, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Written only by the recount task (tasks.recount_ideas), never by a request.
    confirmed_votes = models.PositiveIntegerField(default=0)
    pending_votes = models.PositiveIntegerField(default=0)
    pledged_minor = models.PositiveBigIntegerField(default=0)
    pledged_hours = models.PositiveIntegerField(default=0)
    pledgers = models.PositiveIntegerField(default=0)
    counted_at = models.DateTimeField(null=True, blank=True)

    objects = IdeaQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["challenge", "state"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ideas:idea", args=[self.challenge.organisation.slug, self.pk])

    @property
    def safety_text(self) -> str:
        return f"{self.title}\n\n{self.body}"


class Comment(Contribution):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(_("your comment"), max_length=2000)
    moderation = models.ForeignKey(
        "moderation.ModerationItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on idea {self.idea_id}"


class IdeaPledge(Contribution):
    """'£10 or 2 hours if this happens': a promise, counted in the idea's totals once confirmed."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="pledges")
    amount = models.PositiveIntegerField(default=0)  # minor units of the challenge's currency
    hours = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"pledge {self.pk} on idea {self.idea_id}"


class VoteState(models.TextChoices):
    PENDING = "pending", _("Waiting for email confirmation")
    CONFIRMED = "confirmed", _("Confirmed")


class Vote(models.Model):
    """One person's vote for one idea, recorded by the worker from the intake."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    supporter = models.ForeignKey(
        "supporters.Supporter", on_delete=models.CASCADE, related_name="idea_votes"
    )
    state = models.CharField(max_length=10, choices=VoteState.choices, default=VoteState.PENDING)
    wants_updates = models.BooleanField(default=False)
    language = models.CharField(max_length=35, blank=True)
    # The voter's own share link for this idea (the thank-you page's token).
    share_token = models.CharField(max_length=32, unique=True)
    referred_by = models.ForeignKey(
        "supporters.Supporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_idea_votes",
    )
    referrer_data = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The row is the queue of its confirmation email (vote_emails.py): owed until the mail
    # server took it (or refused it for good, or it was given up, or nobody is left to write
    # to). A mail server that puts the address off has it tried again at `email_retry_at`.
    confirmation_emailed = models.BooleanField(default=False)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "supporter"], name="one_vote_each")]
        indexes = [
            models.Index(fields=["idea", "state"]),
            # Only the few votes still owing their email: the sender's look stays cheap
            # however many votes are done.
            models.Index(
                fields=["id"],
                condition=Q(state=VoteState.PENDING, confirmation_emailed=False),
                name="vote_email_owed",
            ),
        ]

    def __str__(self) -> str:
        return f"vote {self.pk} on idea {self.idea_id} ({self.state})"


class VoteToken(models.Model):
    """Another share token of a recorded vote.

    A person who votes again for the same idea under another spelling of their address,
    after their vote was recorded, is answered with a new token before the worker can know
    it is them; the worker gives them no second vote and keeps the token here, so their
    thank-you page still opens and their share link still credits them.
    """

    token = models.CharField(max_length=32, unique=True)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="other_tokens")

    def __str__(self) -> str:
        return f"another token of vote {self.vote_id}"


class VoteIntake(models.Model):
    """A vote as the form took it in: one INSERT, guarded by (idea, email_key)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")
    email_key = models.CharField(max_length=254)
    payload = models.JSONField()
    share_token = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "email_key"], name="one_vote_intake_each")
        ]

    def __str__(self) -> str:
        return f"vote intake {self.pk} for idea {self.idea_id}"


class StatusChange(models.Model):
    """A status staff gave an idea, with its public reason; emailed to those who took part.

    Sent in steps like a petition update (updates.py): `listed_others` once the author,
    commenters and pledgers have delivery rows, votes up to `listed_to` after them.
    """

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=12, choices=IdeaStatus.choices)
    reason = models.CharField(_("public reason"), max_length=1000)
    author = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    listed_others = models.BooleanField(default=False)
    listed_to = models.BigIntegerField(default=0)
    listed = models.BooleanField(default=False)
    holder = models.CharField(max_length=100, blank=True, default="")
    until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"idea {self.idea_id} → {self.status}"


class StatusDelivery(models.Model):
    change = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="+")
    supporter = models.ForeignKey(
        "supporters.Supporter", on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, default="pending")  # actions.DeliveryState
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change", "supporter"], name="one_status_delivery")
        ]
        indexes = [models.Index(fields=["change", "state"])]

    def __str__(self) -> str:
        return f"status change {self.change_id} to {self.supporter_id}: {self.state}"
