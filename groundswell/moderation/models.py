"""One moderation queue for everything the public writes that may be shown publicly.

Each submission of every kind (registry.py) is one `ModerationItem`, and its `state` is the
one answer to "may this be shown?": the content's own row points at its item and asks it.

    pending ──approve──▶ approved ──reject──▶ rejected
       │                   │  ▲                 │
       └──reject──▶ rejected  └──approve────────┘
    approved ──reported, or its words changed──▶ pending
    rejected ──its words changed──▶ pending

The transitions are written once, in `TRANSITIONS`; the verbs in services.py refuse any
other. The item keeps the words as they were screened (`text`), so the guard's findings
(offsets into that text) and a decision always refer to what the moderator saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


class ModerationState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


TRANSITIONS: dict[str, frozenset[str]] = {
    ModerationState.PENDING: frozenset({ModerationState.APPROVED, ModerationState.REJECTED}),
    ModerationState.APPROVED: frozenset({ModerationState.REJECTED, ModerationState.PENDING}),
    ModerationState.REJECTED: frozenset({ModerationState.APPROVED, ModerationState.PENDING}),
}


class ModerationItemQuerySet(models.QuerySet["ModerationItem"]):
    def for_organisation(self, organisation: Organisation) -> ModerationItemQuerySet:
        return self.filter(organisation=organisation)

    def approved(self) -> ModerationItemQuerySet:
        return self.filter(state=ModerationState.APPROVED)

    def screened(self) -> ModerationItemQuerySet:
        """Items the guard has read: the only ones a moderator is shown."""
        return self.filter(screened_at__isnull=False)

    def unscreened(self) -> ModerationItemQuerySet:
        return self.filter(screened_at__isnull=True)

    def reported(self) -> ModerationItemQuerySet:
        return self.filter(reported_at__isnull=False, state=ModerationState.PENDING)

    def queue(self) -> ModerationItemQuerySet:
        """The queue's order: reported items first, then the oldest waiting."""
        return self.screened().order_by(
            models.F("reported_at").desc(nulls_last=True), "submitted_at", "id"
        )

    def by_author_of(self, item: ModerationItem) -> ModerationItemQuerySet:
        """The same author's other items in the same organisation, newest first."""
        return (
            self.filter(organisation_id=item.organisation_id, author_key=item.author_key)
            .exclude(pk=item.pk)
            .order_by("-submitted_at", "-id")
        )


class ModerationItem(models.Model):
    """One thing the public wrote, waiting for (or past) a moderator's decision."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="moderation_items"
    )
    # A name in the registry ("fediverse.reply"); the kind knows its content's row.
    kind = models.CharField(max_length=40)
    state = models.CharField(
        max_length=10, choices=ModerationState.choices, default=ModerationState.PENDING
    )
    # What the moderator reads, as plain text: the guard's offsets point into it.
    text = models.TextField(blank=True)
    # Who wrote it: a stable key of the kind's choosing (an actor's address) for their
    # history, and the name shown to moderators.
    author_key = models.CharField(max_length=500)
    author_label = models.CharField(max_length=300, blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    # The submitter's language as they declared it (BCP 47), '' when they did not.
    language = models.CharField(max_length=35, blank=True)
    # Where it would be shown and what it answers ("Reply to “Otters are back”").
    context_label = models.CharField(max_length=300, blank=True)
    public_url = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    # The guard's findings: [{"kind", "start", "end", "text", "reason"}], set when screened.
    findings = models.JSONField(default=list, blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when someone reports the item; cleared by the next decision.
    reported_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField()

    objects = ModerationItemQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "state", "submitted_at"]),
            models.Index(fields=["organisation", "author_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.state})"


class Report(models.Model):
    """A member of the public saying that something shown should not be.

    Nothing identifies the reporter: no account, no address (the rate limit keeps only a
    keyed hash of the network, in its own table). Only their words and their language.
    """

    item = models.ForeignKey(ModerationItem, on_delete=models.CASCADE, related_name="reports")
    reason = models.TextField()
    language = models.CharField(max_length=35, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"report on item {self.item_id}"


class HeldPhraseQuerySet(models.QuerySet["HeldPhrase"]):
    def for_organisation(self, organisation: Organisation) -> HeldPhraseQuerySet:
        return self.filter(organisation=organisation).order_by("phrase")


class HeldPhrase(models.Model):
    """A word or phrase that keeps matching items held for a moderator's own look."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="held_phrases"
    )
    phrase = models.CharField(_("word or phrase"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HeldPhraseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("phrase"), "organisation", name="one_held_phrase_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.phrase
