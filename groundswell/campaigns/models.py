from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import (
    Organisation,
    of_public_organisation,
    validate_slug_not_reserved,
)
from groundswell.lib.media import private_storage

from .media import cover_path


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LIVE = "live", _("Live")
    CLOSED = "closed", _("Closed")
    WON = "won", _("Won")


PUBLIC_STATUSES = (CampaignStatus.LIVE, CampaignStatus.CLOSED, CampaignStatus.WON)


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def for_organisation(self, organisation: Organisation) -> CampaignQuerySet:
        return self.filter(organisation=organisation)

    def public(self) -> CampaignQuerySet:
        return self.filter(of_public_organisation(), status__in=PUBLIC_STATUSES).select_related(
            "organisation"
        )

    def live(self) -> CampaignQuerySet:
        return self.filter(status=CampaignStatus.LIVE).select_related("organisation")


class Campaign(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="campaigns"
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("address name"), max_length=80, validators=[validate_slug_not_reserved]
    )
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    change_sought = models.TextField(
        _("the change it seeks"),
        max_length=2000,
        blank=True,
        help_text=_("What will be different when this campaign wins?"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # Stored privately; `media.sync_campaign` gives them a public address while it is public.
    cover = models.FileField(
        upload_to=cover_path, storage=private_storage, blank=True, max_length=200
    )
    cover_small = models.FileField(
        upload_to=cover_path, storage=private_storage, blank=True, max_length=200
    )
    cover_public = models.BooleanField(default=False, editable=False)
    cover_alt = models.CharField(_("cover image description"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "slug"], name="campaign_slug_unique_per_org"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaigns:detail", args=[self.organisation.slug, self.slug])

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def cover_url(self) -> str:
        """The cover's public address, for link previews; empty while it has none."""
        return self.cover.url if self.cover and self.cover_public else ""

    @property
    def cover_src(self) -> str:
        """Its public address while the campaign is public, else the members-only one."""
        return self._cover_src(self.cover, "large")

    @property
    def cover_small_src(self) -> str:
        return self._cover_src(self.cover_small, "small")

    def _cover_src(self, field: models.fields.files.FieldFile, size: str) -> str:
        if not field:
            return ""
        if self.cover_public:
            return field.url
        return reverse("campaigns:staff_cover", args=[self.pk, size])
