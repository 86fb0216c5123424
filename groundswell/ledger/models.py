"""The outcome ledger: what a campaign asked, delivered and got back, with the evidence.

Entered by staff (owners and editors), one row per event. An entry may be tied to a
petition of its campaign: it then shows the petition's decision-maker and status, can move
that status (a delivery → delivered, a win → won, a loss → closed), and can start the
report-back to the petition's signers (actions.petitions.post_update, batched and sent
exactly once). An entry marked public shows on the campaign's page, after the safety gate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation, of_public_organisation

MAX_EVIDENCE = 5


class Kind(models.TextChoices):
    ASK = "ask", _("Ask")
    DELIVERY = "delivery", _("Delivery")
    RESPONSE = "response", _("Response")
    WIN = "win", _("Win")
    LOSS = "loss", _("Loss")


# What recording each kind may do to its petition's status, when asked to.
PETITION_STATUS = {"delivery": "delivered", "win": "won", "loss": "closed"}


class EntryQuerySet(models.QuerySet["LedgerEntry"]):
    def for_organisation(self, organisation: Organisation) -> EntryQuerySet:
        return self.filter(organisation=organisation).select_related("campaign", "petition")

    def public(self) -> EntryQuerySet:
        """Entries the public may read: marked public, on a public campaign of a public
        organisation. Their words passed the safety gate when they were marked."""
        return self.filter(
            of_public_organisation(),
            public=True,
            campaign__status__in=("live", "closed", "won"),
        ).select_related("campaign", "petition")


class LedgerEntry(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="ledger_entries"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        related_name="ledger_entries",
        verbose_name=_("campaign"),
    )
    petition = models.ForeignKey(
        "actions.Petition",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger_entries",
        verbose_name=_("petition"),
    )
    kind = models.CharField(_("what kind of step"), max_length=10, choices=Kind.choices)
    happened_on = models.DateField(_("date"))
    title = models.CharField(_("what happened, in one line"), max_length=200)
    details = models.TextField(_("details"), max_length=5000, blank=True)
    evidence = models.JSONField(_("evidence links"), default=list, blank=True)
    public = models.BooleanField(_("show it on the campaign's public page"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The report-back to the petition's signers this entry started, once it was sent.
    report = models.ForeignKey(
        "actions.PetitionUpdate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-happened_on", "-created_at"]
        indexes = [models.Index(fields=["campaign", "-happened_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def safety_text(self) -> str:
        """What the safety gate reads: every word the public page shows."""
        return "\n\n".join(part for part in (self.title, self.details, *self.evidence) if part)
