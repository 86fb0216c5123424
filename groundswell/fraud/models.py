"""Trending sources, their alerts, and bulk invalidations (docs/fraud.md).

A source is a network range (an IPv4 /24 or an IPv6 /64) or an email domain. The worker
counts every recorded signature into ten-minute buckets per organisation and source
(`SourceCount`); detection compares the last hour of a source with its own share of the
organisation's signatures over the fortnight before (`trends.py`), and raises a `Trend`.
An `InvalidationBatch` is one staff decision to strike signatures out of every public
count; `InvalidatedSignature` rows say exactly which, so that undoing it restores those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


class SourceKind(models.TextChoices):
    NETWORK = "network", _("Network range")
    DOMAIN = "domain", _("Email domain")
    # Every signature of the organisation, whatever its source: the denominator of a share.
    ALL = "all", _("All signatures")


class SourceCount(models.Model):
    """Signatures of one organisation from one source in a ten-minute bucket."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source = models.CharField(max_length=253, blank=True)
    bucket = models.DateTimeField()
    signatures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "source", "bucket"], name="one_count_per_bucket"
            )
        ]
        indexes = [models.Index(fields=["bucket"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.source} at {self.bucket}: {self.signatures}"


class ScanCursor(models.Model):
    """How far the counting has read the signatures table (by id)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_id}"


class TrendQuerySet(models.QuerySet["Trend"]):
    def for_organisation(self, organisation: Organisation | int) -> TrendQuerySet:
        return self.filter(organisation=organisation)


class Trend(models.Model):
    """A source that brought far more signatures in an hour than its own history explains.

    Raised at most once per source per WINDOW (trends.THROTTLE): this row is the alert
    shown on the staff pages and emailed to those who asked.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=SourceKind.choices)
    source = models.CharField(max_length=253)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    signatures = models.PositiveIntegerField()  # from this source in the window
    window_total = models.PositiveIntegerField()  # the organisation's, in the window
    baseline_share = models.FloatField()  # its share before the window (floored)
    expected = models.FloatField()  # window_total × baseline_share
    tail = models.FloatField()  # P(this many or more | Poisson(expected))
    raised_at = models.DateTimeField(db_index=True)
    emailed = models.PositiveIntegerField(default=0)

    objects = TrendQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["organisation", "kind", "source", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.source}: {self.signatures} in the hour to {self.window_end}"


class AlertSubscription(models.Model):
    """A member who asked to be emailed when a source trends."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"trend alerts for membership {self.membership_id}"


class Criterion(models.TextChoices):
    NETWORK = "network", _("Network range")
    DOMAIN = "domain", _("Email domain")
    WINDOW = "window", _("Time window")
    BRANCH = "branch", _("Referral branch")


class InvalidationBatchQuerySet(models.QuerySet["InvalidationBatch"]):
    def for_organisation(self, organisation: Organisation | int) -> InvalidationBatchQuerySet:
        return self.filter(organisation=organisation).select_related(
            "petition", "created_by", "undone_by"
        )


class InvalidationBatch(models.Model):
    """One decision to strike signatures out of the counts; undone as a whole or not at all."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    criterion = models.CharField(max_length=10, choices=Criterion.choices)
    petition = models.ForeignKey(
        "actions.Petition", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    network = models.CharField(max_length=49, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    # The supporter at the top of a referral branch.
    root = models.ForeignKey(
        "supporters.Supporter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500)
    signatures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvalidationBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invalidation {self.pk}: {self.criterion}, {self.signatures} signatures"


class InvalidatedSignature(models.Model):
    """A signature a batch invalidated: what its undo puts back, exactly."""

    batch = models.ForeignKey(InvalidationBatch, on_delete=models.CASCADE, related_name="rows")
    # No constraint and nothing done on delete: deleting signatures in bulk (retention's
    # unconfirmed ones) stays one DELETE that never loads them to look for rows here. A row
    # whose signature is gone holds only two ids; undo and the pages skip it (inner joins).
    signature = models.ForeignKey(
        "actions.Signature", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "signature"], name="one_row_per_signature")
        ]

    def __str__(self) -> str:
        return f"signature {self.signature_id} in batch {self.batch_id}"
