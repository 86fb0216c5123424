"""Each organisation's retention schedule: a period per kind of personal data.

A kind without a row here keeps its default (lib/retention.py), so a kind that joins the
registry later applies to every organisation at once, with no migration. Rows are written
only by services.set_periods.
"""

from __future__ import annotations

from django.db import models


class RetentionPeriod(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="retention_periods"
    )
    # A name in lib.retention.REGISTRY; a row whose kind has left the registry is ignored.
    kind = models.CharField(max_length=60)
    days = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="one_period_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.kind}: {self.days} days"
