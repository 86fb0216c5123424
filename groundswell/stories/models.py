from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import (
    Organisation,
    of_public_organisation,
    validate_slug_not_reserved,
)

from .media import image_path, private_storage
from .workflow import State

if TYPE_CHECKING:
    from groundswell.campaigns.models import Campaign


class StoryQuerySet(models.QuerySet["Story"]):
    def for_organisation(self, organisation: Organisation) -> StoryQuerySet:
        return self.filter(organisation=organisation)

    def published(self) -> StoryQuerySet:
        return (
            self.filter(of_public_organisation(), state=State.PUBLISHED)
            .select_related("organisation", "campaign", "author", "cover", "link_card")
            .order_by("-published_at", "-id")
        )

    def awaiting_approval(self) -> StoryQuerySet:
        return (
            self.filter(state=State.IN_REVIEW)
            .select_related("author", "campaign")
            .order_by("submitted_at")
        )

    def counts_by_state(self) -> dict[str, int]:
        rows = self.order_by().values("state").annotate(n=Count("id"))
        counts = dict.fromkeys(State.values, 0)
        counts.update({row["state"]: row["n"] for row in rows})
        return counts


class LinkCardStatus(models.TextChoices):
    PENDING = "pending", _("Fetching")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Could not be fetched")
    REFUSED = "refused", _("Refused")


def media_path(instance: models.Model, filename: str) -> str:
    return f"stories/{instance.organisation_id}/{filename}"  # type: ignore[attr-defined]


def card_path(instance: models.Model, filename: str) -> str:
    # A random folder: a draft story's card image must not be found by counting names.
    token = secrets.token_urlsafe(18)
    return f"stories/{instance.organisation_id}/cards/{token}/{filename}"  # type: ignore[attr-defined]


class LinkCard(models.Model):
    """A video or link shown as a card: title and image copied to our server, no embeds."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    url = models.URLField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=LinkCardStatus.choices, default=LinkCardStatus.PENDING
    )
    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    site_name = models.CharField(max_length=200, blank=True)
    image = models.FileField(upload_to=card_path, blank=True, max_length=200)
    error = models.CharField(max_length=300, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def display_title(self) -> str:
        return self.title or self.url


class Story(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="stories"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
        verbose_name=_("campaign"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="stories"
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("address name"), max_length=80, validators=[validate_slug_not_reserved]
    )
    summary = models.TextField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("story (Markdown)"), max_length=100_000, blank=True)
    body_html = models.TextField(editable=False, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    cover = models.ForeignKey(
        "StoryImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_url = models.URLField(_("video or link"), max_length=2000, blank=True)
    link_card = models.ForeignKey(LinkCard, null=True, blank=True, on_delete=models.SET_NULL)
    # Not empty while the card is kept off the story's pages: the kinds of thing the safety
    # check flagged in words the worker fetched after the story was published (cards.py).
    card_held = models.CharField(max_length=200, blank=True, default="", editable=False)
    revision = models.PositiveIntegerField(default=0)
    approved_revision = models.PositiveIntegerField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "stories"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "slug"], name="story_slug_unique_per_org"
            )
        ]
        indexes = [models.Index(fields=["organisation", "state", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("stories:detail", args=[self.organisation.slug, self.slug])

    @property
    def public_campaign(self) -> Campaign | None:
        """The campaign, when the public may know it exists; public pages use only this."""
        campaign = self.campaign
        return campaign if campaign is not None and campaign.is_public else None


class StoryRevision(models.Model):
    """The content of a story as saved each time; never changed afterwards."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    link_url = models.URLField(max_length=2000, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["story", "number"], name="one_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} (revision {self.number})"


class StoryImage(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="images")
    # Stored privately; `media.sync_story` gives them a public address while published.
    image = models.FileField(upload_to=image_path, storage=private_storage, max_length=200)
    small = models.FileField(upload_to=image_path, storage=private_storage, max_length=200)
    public = models.BooleanField(default=False, editable=False)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # The large file's size in bytes, known when it was processed (0: not known).
    image_bytes = models.PositiveIntegerField(default=0, editable=False)
    alt_text = models.CharField(_("description for people who cannot see it"), max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.alt_text

    @property
    def src(self) -> str:
        """Its public address while its story is published, else the members-only one."""
        return self.image.url if self.public else self._staff_url("large")

    @property
    def small_src(self) -> str:
        return self.small.url if self.public else self._staff_url("small")

    def _staff_url(self, size: str) -> str:
        return reverse("stories:staff_image", args=[self.pk, size])
