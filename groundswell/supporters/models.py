from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


class SupporterQuerySet(models.QuerySet["Supporter"]):
    def for_organisation(self, organisation: Organisation | int) -> SupporterQuerySet:
        return self.filter(organisation=organisation)

    def active(self) -> SupporterQuerySet:
        return self.filter(erased_at__isnull=True)


class Supporter(models.Model):
    """One person per organisation, found again by their normalised email address."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="supporters"
    )
    email = models.EmailField(_("email"), max_length=254, blank=True)
    email_key = models.CharField(max_length=254)
    given_name = models.CharField(_("first name"), max_length=100, blank=True)
    family_name = models.CharField(_("last name"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    public_leaderboard = models.BooleanField(
        _("show my first name on the public leaderboard"), default=False
    )

    objects = SupporterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email_key"], name="one_supporter_per_email_per_org"
            )
        ]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return str(_("(erased supporter)"))
        return f"{self.given_name} {self.family_name}".strip() or self.email


class ConsentWording(models.Model):
    """The exact words a person was shown when they agreed; never edited, only superseded."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.pk}: {self.text[:60]}"


class Purpose(models.TextChoices):
    PETITION = "petition", _("Sign this petition")
    UPDATES = "updates", _("Hear more from this organisation")
    GIFT_AID = "gift_aid", _("Gift Aid declaration")
    EVENT = "event", _("Come to this event")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def standing(self, purpose: str) -> ConsentQuerySet:
        """Consents that hold now: granted, confirmed by email, not withdrawn, not expired."""
        return self.filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now()),
            purpose=purpose,
            granted=True,
            confirmed_at__isnull=False,
            withdrawn_at__isnull=True,
        )


class Consent(models.Model):
    """One person's answer about one purpose: what, when, where, which words, until when."""

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    petition = models.ForeignKey(
        "actions.Petition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    wording = models.ForeignKey(ConsentWording, on_delete=models.PROTECT)
    granted = models.BooleanField()
    source_url = models.URLField(max_length=2000, blank=True)
    channel = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.purpose} {'yes' if self.granted else 'no'} ({self.created_at:%Y-%m-%d})"
