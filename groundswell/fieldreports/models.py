"""Reports from the ground: what a person saw, where (blurred), and, apart, who they are.

A report never holds an exact point: the form turns the place into the centre of a grid
cell (`grid.py`) before anything is stored, so nobody, staff included, can see more. The
reporter's contact, when they give one, is a row of its own (`ReporterContact`) that no
public page, feed, export or API reads.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation
from groundswell.campaigns.models import Campaign
from groundswell.lib.media import private_storage, unguessable_name
from groundswell.moderation.models import ModerationItem, ModerationState

DEFAULT_GRID = Decimal("0.01")
# The grids an organisation may choose: 0.01° (about 1 km) at the finest, coarser only.
GRIDS = (
    (Decimal("0.01"), _("0.01° (about 1 km)")),
    (Decimal("0.02"), _("0.02° (about 2 km)")),
    (Decimal("0.05"), _("0.05° (about 5 km)")),
    (Decimal("0.10"), _("0.1° (about 11 km)")),
    (Decimal("0.25"), _("0.25° (about 28 km)")),
    (Decimal("0.50"), _("0.5° (about 55 km)")),
    (Decimal("1.00"), _("1° (about 110 km)")),
)
MAX_TITLE = 120
MAX_BODY = 4000


def photo_path(instance: FieldReport, filename: str) -> str:
    return unguessable_name(f"fieldreports/{instance.organisation_id}", filename)


class ReportSetup(models.Model):
    """An organisation's choices for its reports; without a row, the defaults."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="report_setup"
    )
    grid = models.DecimalField(
        _("location grid"), max_digits=4, decimal_places=2, default=DEFAULT_GRID
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(grid__gte=DEFAULT_GRID), name="fieldreport_grid_no_finer"
            )
        ]

    def __str__(self) -> str:
        return f"Report set-up of organisation #{self.organisation_id}"


class ReportArea(models.Model):
    """A place the organisation names, for people who cannot or will not give coordinates.
    Its point is blurred to the grid like any other."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="report_areas"
    )
    name = models.CharField(_("name"), max_length=80)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=10, decimal_places=6)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="one_area_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class ReportState(models.TextChoices):
    NEW = "new", _("New")
    VERIFIED = "verified", _("Verified")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


# The review stages, written once: new → verified → published, or rejected (with a
# reason) from any of them; a published report can be taken down (rejected) too.
TRANSITIONS: dict[str, frozenset[str]] = {
    ReportState.NEW: frozenset({ReportState.VERIFIED, ReportState.REJECTED}),
    ReportState.VERIFIED: frozenset({ReportState.PUBLISHED, ReportState.REJECTED}),
    ReportState.PUBLISHED: frozenset({ReportState.REJECTED}),
    ReportState.REJECTED: frozenset(),
}


class FieldReportQuerySet(models.QuerySet["FieldReport"]):
    def for_organisation(self, organisation: Organisation) -> FieldReportQuerySet:
        return self.filter(organisation=organisation)

    def published(self) -> FieldReportQuerySet:
        """What the public sees: published by staff, approved in the moderation queue (a
        "report this" takes it down again), of a public campaign of an approved
        organisation. Never joins the reporter's contact."""
        return (
            self.filter(
                state=ReportState.PUBLISHED,
                moderation__state=ModerationState.APPROVED,
                campaign__in=Campaign.objects.public(),
            )
            .select_related("campaign", "organisation")
            .order_by("-published_at", "-pk")
        )

    def unsubmitted(self) -> FieldReportQuerySet:
        """Taken in by the form, not yet handed to the moderation queue (the worker does)."""
        return self.filter(moderation__isnull=True).exclude(state=ReportState.REJECTED)


class FieldReport(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="field_reports"
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="field_reports")
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    body = models.TextField(_("what happened"), max_length=MAX_BODY)
    # The language the reporter used the site in (their words may be in another).
    language = models.CharField(max_length=35, blank=True)
    # The centre of the grid cell the place fell in: never the point itself.
    latitude = models.DecimalField(max_digits=8, decimal_places=4)
    longitude = models.DecimalField(max_digits=8, decimal_places=4)
    grid = models.DecimalField(max_digits=4, decimal_places=2)
    area_name = models.CharField(max_length=80, blank=True)
    photo = models.FileField(
        upload_to=photo_path, storage=private_storage, max_length=200, blank=True
    )
    photo_small = models.FileField(
        upload_to=photo_path, storage=private_storage, max_length=200, blank=True
    )
    photo_alt = models.CharField(_("what the photo shows"), max_length=200, blank=True)
    state = models.CharField(max_length=12, choices=ReportState.choices, default=ReportState.NEW)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    moderation = models.ForeignKey(
        ModerationItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = FieldReportQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organisation", "state", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90) & Q(latitude__lte=90), name="fieldreport_lat"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180), name="fieldreport_lon"
            ),
        ]

    def __str__(self) -> str:
        return f"Report #{self.pk}"

    def photo_names(self) -> list[str]:
        return [name for name in (self.photo.name, self.photo_small.name) if name]


class ReporterContact(models.Model):
    """How to reach the person who sent a report, kept apart from it.

    Only roles with `reports.contact` see it; no public page, feed, export or API reads
    this table. `email_key` (the normalised address) finds a person's rows for their
    subject-access export and their erasure.
    """

    report = models.OneToOneField(FieldReport, on_delete=models.CASCADE, related_name="contact")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    email_key = models.CharField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Contact for report #{self.report_id}"
