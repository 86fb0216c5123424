from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

from .workflow import AccountState, PostState


class Network(models.TextChoices):
    BLUESKY = "bluesky", _("Bluesky")
    MASTODON = "mastodon", _("Mastodon")
    # Built in: "posts" to a timeline page on this site, so scheduling can be tried without an
    # account anywhere (the demo connects it). See local.py.
    LOCAL = "local", _("Demo timeline (this site)")


class ChannelAccountQuerySet(models.QuerySet["ChannelAccount"]):
    def current(self) -> ChannelAccountQuerySet:
        """Not disconnected, whatever its state (what the Social accounts page lists)."""
        return self.filter(disconnected_at__isnull=True)

    def usable(self) -> ChannelAccountQuerySet:
        """Posts may be scheduled to these: connected, or still being checked (the post
        waits for the check)."""
        return self.current().exclude(state=AccountState.FAILED)


class ChannelAccount(models.Model):
    """An organisation's account on one network. The secret is stored encrypted (crypto.py)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="channel_accounts"
    )
    network = models.CharField(_("network"), max_length=20, choices=Network.choices)
    # Bluesky: the handle; Mastodon: the account name the server told us when connecting.
    handle = models.CharField(_("account"), max_length=255)
    # Bluesky: the PDS (https://bsky.social by default); Mastodon: the server's address.
    service_url = models.URLField(_("server"), max_length=500)
    secret_encrypted = models.TextField(editable=False)
    # Bluesky: the session from the last login (encrypted like the secret), reused for every
    # post instead of logging in each time; cleared when the server stops accepting it.
    session_encrypted = models.TextField(editable=False, blank=True, default="")
    remote_account_id = models.CharField(max_length=255, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(auto_now_add=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # Written only by accounts.py, through the transitions in workflow.py.
    state = models.CharField(_("state"), max_length=10, choices=AccountState.choices)
    # Why the check failed, in words staff can act on.
    failure_reason = models.CharField(max_length=500, blank=True)

    objects = ChannelAccountQuerySet.as_manager()

    class Meta:
        ordering = ["network", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "network"],
                condition=models.Q(disconnected_at__isnull=True),
                name="one_connected_account_per_network",
            )
        ]

    def __str__(self) -> str:
        if self.network == Network.LOCAL:
            return str(self.get_network_display())
        # A Mastodon account learns its name from the check: until then, name its server.
        return f"{self.get_network_display()}: {self.handle or urlsplit(self.service_url).netloc}"

    @property
    def is_connected(self) -> bool:
        return self.disconnected_at is None and self.state == AccountState.CONNECTED

    @property
    def is_usable(self) -> bool:
        return self.disconnected_at is None and self.state != AccountState.FAILED


class Attachment(models.TextChoices):
    LINK_CARD = "link", _("Link card to the story")
    IMAGE = "image", _("The story's cover image")
    NONE = "none", _("Text only")


class ScheduledPostQuerySet(models.QuerySet["ScheduledPost"]):
    def for_organisation(self, organisation: Organisation) -> ScheduledPostQuerySet:
        return self.filter(organisation=organisation).select_related("story", "account")

    def due(self, now: object) -> ScheduledPostQuerySet:
        return self.filter(state=PostState.SCHEDULED, scheduled_at__lte=now).order_by(
            "scheduled_at", "id"
        )

    def failed(self) -> ScheduledPostQuerySet:
        return self.filter(state=PostState.FAILED)

    def held(self) -> ScheduledPostQuerySet:
        return self.filter(state=PostState.HELD)


class ScheduledPost(models.Model):
    """One story going out on one account at one time."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    story = models.ForeignKey(
        "stories.Story", on_delete=models.CASCADE, related_name="scheduled_posts"
    )
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField(_("text"), max_length=3000)
    attachment = models.CharField(
        _("attach"), max_length=10, choices=Attachment.choices, default=Attachment.LINK_CARD
    )
    scheduled_at = models.DateTimeField(_("goes out at"))
    state = models.CharField(max_length=10, choices=PostState.choices, default=PostState.SCHEDULED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # Why a due post has not gone out yet (its story is not published); cleared once sent.
    waiting_reason = models.CharField(max_length=300, blank=True)
    # Sent with every attempt so that the network recognises a repeat: Mastodon's
    # Idempotency-Key; for Bluesky the record key (a TID) is derived from it.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    remote_id = models.CharField(max_length=500, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # In an organisation that requires approval, a post scheduled by someone who may not
    # approve waits for an owner as well as for its story.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScheduledPostQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "id"]
        indexes = [
            models.Index(fields=["state", "scheduled_at"]),
            models.Index(fields=["organisation", "scheduled_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.story} → {self.account} at {self.scheduled_at:%Y-%m-%d %H:%M}"

    def audit_ids(self, account: ChannelAccount | None = None) -> dict[str, object]:
        """What an audit summary may name of the post: ids and the network, never the
        story's title or the account's handle (free text the log would keep for years)."""
        account = account or self.account
        return {
            "id": self.pk,
            "story": self.story_id,
            "network": account.get_network_display(),
            "account": account.pk,
        }


class LocalPostQuerySet(models.QuerySet["LocalPost"]):
    def for_organisation(self, organisation: Organisation) -> LocalPostQuerySet:
        return self.filter(organisation=organisation).order_by("-created_at", "-id")


class LocalPost(models.Model):
    """What the worker "posted" to the built-in demo timeline (Network.LOCAL)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="local_posts"
    )
    # The scheduled post's idempotency key: a repeated send finds the post it already made,
    # as Mastodon's Idempotency-Key and Bluesky's record key do.
    idempotency_key = models.UUIDField(unique=True)
    text = models.TextField()
    language = models.CharField(max_length=20, blank=True)
    link_url = models.URLField(max_length=1000, blank=True)
    link_title = models.CharField(max_length=500, blank=True)
    image_alt = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LocalPostQuerySet.as_manager()

    def __str__(self) -> str:
        return self.text[:60]
