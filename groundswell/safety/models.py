from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


class PublicFigureQuerySet(models.QuerySet["PublicFigure"]):
    def for_organisation(self, organisation: Organisation) -> PublicFigureQuerySet:
        return self.filter(organisation=organisation)


class PublicFigure(models.Model):
    """A person an organisation names in public on purpose (an MP, a council leader, its own
    spokesperson): the guard does not flag their name in that organisation's content."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="public_figures"
    )
    name = models.CharField(_("name"), max_length=200)
    note = models.CharField(
        _("why they are a public figure"),
        max_length=500,
        blank=True,
        help_text=_("For example: “Leader of the city council since 2024”."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PublicFigureQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # Case-insensitive, so "Jo Bloggs" and "jo bloggs" are one entry.
            models.UniqueConstraint(
                "organisation", Lower("name"), name="one_public_figure_per_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class OverrideQuerySet(models.QuerySet["SafetyOverride"]):
    def for_text(
        self, organisation: Organisation, kind: str, object_id: object, text_hash: str
    ) -> OverrideQuerySet:
        return self.filter(
            organisation=organisation, kind=kind, object_id=str(object_id), text_hash=text_hash
        )


class SafetyOverride(models.Model):
    """A person answerable for the risk let one exact text out although the guard flagged it.

    It covers only the text whose hash it keeps: any edit changes the hash, and the edited
    text is checked again. Written only by `services.override`, which also audits it.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    # What was let out: "story", "post", "reply" or "update", and that row's id.
    kind = models.CharField(max_length=20)
    object_id = models.CharField(max_length=64)
    text_hash = models.CharField(max_length=64)
    findings = models.JSONField(default=list)
    reason = models.TextField(_("reason"), max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = OverrideQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["organisation", "kind", "object_id", "text_hash"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.at:%Y-%m-%d %H:%M})"
