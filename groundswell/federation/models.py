"""ActivityPub state: our actors' keys, the remote actors we know, what came in, what goes out.

Workflows live on the rows (conventions, habit 4): an outbound activity is `pending` until it
has been fanned out into one Delivery per target inbox; a delivery is `pending`, `failed`
(waiting for its next attempt), `delivered` or `given_up`; a received activity is `received`,
then `processing` under a lease, then `processed`, `ignored` or `failed` (retried a few times).
Every step is idempotent and guarded by a unique constraint or a conditional UPDATE, so a sweep
may safely run any step again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from groundswell.moderation.models import ModerationState

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation
    from groundswell.stories.models import Story


class ActorKey(models.Model):
    """The RSA key pair of one organisation's actor, made the first time it is needed.

    The private key never leaves the server: it is not in the admin, not in any document and
    not in `__str__`, so it cannot end up in a log line by accident.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="actor_key"
    )
    public_key_pem = models.TextField()
    private_key_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"key of organisation {self.organisation_id}"


class InstanceKey(models.Model):
    """The key pair of the instance actor, the site's own `Application` actor (one row).

    It signs our fetches (authorized fetch): servers in secure mode answer a GET only when
    it is signed, and the instance actor speaks for the site, not for any organisation. Its
    private key is kept as an organisation's is: never shown, never logged.
    """

    # Always "instance": the unique constraint is what keeps this table to one row when two
    # workers make the key at once.
    name = models.CharField(max_length=20, unique=True, default="instance", editable=False)
    public_key_pem = models.TextField()
    private_key_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "key of the instance actor"


class RemoteActor(models.Model):
    """Someone on another server, as their actor document last described them."""

    uri = models.URLField(max_length=500, unique=True)
    key_id = models.URLField(max_length=500, unique=True, null=True, blank=True)
    public_key_pem = models.TextField(blank=True)
    inbox = models.URLField(max_length=500)
    shared_inbox = models.URLField(max_length=500, blank=True)
    username = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    domain = models.CharField(max_length=255, db_index=True)
    fetched_at = models.DateTimeField()
    # The last time a key that did not verify made us fetch the actor again, whatever came of
    # it: bad signatures naming a known key cannot make us fetch on every request.
    key_checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.handle

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.domain}" if self.username else self.uri


class Follower(models.Model):
    """A remote actor following one of our organisations (they sent Follow, we sent Accept)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="fediverse_followers"
    )
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="following")
    follow_id = models.URLField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "actor"], name="one_follow_per_actor")
        ]

    def __str__(self) -> str:
        return f"{self.actor} → {self.organisation_id}"


class FollowingState(models.TextChoices):
    PENDING = "pending", _("Waiting for their answer")
    ACCEPTED = "accepted", _("Following")
    REJECTED = "rejected", _("Refused")


class Following(models.Model):
    """One of our organisations following a remote actor (we sent Follow)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="fediverse_following"
    )
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="followers")
    follow_id = models.URLField(max_length=500, unique=True)
    state = models.CharField(
        max_length=10, choices=FollowingState.choices, default=FollowingState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "actor"], name="one_following_per_actor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.actor}"


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent out")
    FANNED_OUT = "fanned_out", _("Sent out")


class OutboxActivity(models.Model):
    """An activity we publish; its JSON is fixed when it is made, never rebuilt later."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    story = models.ForeignKey(
        "stories.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uuid = models.UUIDField(unique=True)
    type = models.CharField(max_length=20)
    payload = models.JSONField()
    # Explicit targets (an Accept, a reply): the inboxes to deliver to instead of followers.
    targets = models.JSONField(default=list, blank=True)
    state = models.CharField(
        max_length=12, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.uuid}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    GIVEN_UP = "given_up", _("Given up")


class Delivery(models.Model):
    """One activity to one inbox. `next_attempt_at` is also the lease of a claimed attempt."""

    activity = models.ForeignKey(
        OutboxActivity, on_delete=models.CASCADE, related_name="deliveries"
    )
    inbox = models.URLField(max_length=500)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When a `deliver` task was last queued for this row, cleared when it runs: the sweep does
    # not queue a second task while one is still waiting.
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["activity", "inbox"], name="one_delivery_per_inbox")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.inbox} ({self.state})"


class InboxHealth(models.Model):
    """The circuit breaker of one remote inbox: consecutive failures and a pause."""

    inbox = models.URLField(max_length=500, unique=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.inbox


class ReceivedState(models.TextChoices):
    UNVERIFIED = "unverified", _("Waiting for the sender's key")
    DISCARDED = "discarded", _("Discarded: not signed by its actor")
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Being processed")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Could not be processed")


class ReceivedActivity(models.Model):
    """An activity as it reached an inbox, stored before anything else.

    unverified ──key fetched, signature verifies──▶ received
        │ signature does not verify / someone else signed it / key never fetched
        ▼
    discarded

    received ──claim──▶ processing ──handler done──▶ processed / ignored
                            │ handler raised
                            ▼
                         failed ──(retry when next_attempt_at comes, a few times)──▶ processing

    An inbox verifies with the keys it already has; a row whose key it did not have (or that
    needs the key fetched again) is `unverified`, with what the worker needs to verify it in
    `signature`. While `unverified`, `next_attempt_at` is when the key may be fetched again.
    While `processing`, it is the lease: a worker that died mid-way leaves a row the sweep hands
    out again once it runs out. While `failed`, it is when to try again.

    Only verified rows hold their activity id: a stranger posting an unverifiable copy of an
    activity first cannot make the real one "already received".
    """

    activity_id = models.URLField(max_length=500, db_index=True)
    type = models.CharField(max_length=40)
    actor_uri = models.URLField(max_length=500)
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=ReceivedState.choices, default=ReceivedState.RECEIVED
    )
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # For an `unverified` row: {"key_id", "signature", "signing_string", "refetch"}, the
    # signature as it came and the exact string it signs, so the worker can verify it later.
    signature = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "received activities"
        indexes = [models.Index(fields=["state", "received_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["activity_id"],
                condition=~models.Q(state__in=["unverified", "discarded"]),
                name="one_verified_activity_per_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.activity_id}"


class InteractionKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    LIKE = "like", _("Like")
    BOOST = "boost", _("Boost")


class InteractionQuerySet(models.QuerySet["Interaction"]):
    def for_organisation(self, organisation: Organisation) -> InteractionQuerySet:
        return self.filter(story__organisation=organisation)

    def shown_under(self, story: Story) -> InteractionQuerySet:
        return (
            self.filter(
                story=story,
                kind=InteractionKind.REPLY,
                moderation__state=ModerationState.APPROVED,
                public=True,
            )
            .select_related("actor", "moderation")
            .order_by("created_at", "id")
        )

    def inbox(self) -> InteractionQuerySet:
        return self.select_related("actor", "story", "moderation").order_by("-created_at", "-id")


class Interaction(models.Model):
    """A reply, like or boost of one of our stories, coming home from the fediverse.

    `object_uri` is the remote Note for a reply and the Like/Announce activity otherwise; it is
    unique, so a repeated delivery cannot make a second row. A public reply has its item in
    the moderation queue (`moderation`), whose state alone says whether it is shown; likes
    and boosts carry no words, are never shown, and have none.
    """

    story = models.ForeignKey(
        "stories.Story", on_delete=models.CASCADE, related_name="fediverse_interactions"
    )
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=6, choices=InteractionKind.choices)
    object_uri = models.URLField(max_length=500, unique=True)
    url = models.URLField(max_length=500, blank=True)
    content_html = models.TextField(blank=True)
    public = models.BooleanField(default=False)
    moderation = models.OneToOneField(
        "moderation.ModerationItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fediverse_interaction",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["story", "kind"], name="federation_story_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id} on story {self.story_id}"


class BlockedDomain(models.Model):
    """A server we refuse to hear from or deliver to (site operators edit these in the admin).

    A block covers the domain and its subdomains. `settings.FEDERATION_BLOCKED_DOMAINS`, when
    set, adds to this list.
    """

    domain = models.CharField(max_length=255, unique=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.domain = self.domain.strip().lower().rstrip(".")
        super().save(*args, **kwargs)
