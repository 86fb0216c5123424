"""Counts, never people: no row here says who viewed, signed or shared anything."""

from __future__ import annotations

from django.db import models


class PendingCount(models.Model):
    """Counts a process kept in memory and wrote out in one batch (lib/analytics.Counter).

    Append-only: each process inserts its batch and never updates a row, so processes do not
    contend. `roll_up_counts` adds them into DailyCount and deletes them in one transaction.
    Ids rather than foreign keys: a batch from a page that was just deleted still inserts.
    """

    kind = models.CharField(max_length=40)
    day = models.DateField()
    organisation_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField(default=0)
    petition_id = models.BigIntegerField(default=0)
    story_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=40, blank=True)
    referrer = models.CharField(max_length=100, blank=True)
    utm_source = models.CharField(max_length=40, blank=True)
    utm_medium = models.CharField(max_length=40, blank=True)
    utm_campaign = models.CharField(max_length=40, blank=True)
    count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.count} {self.kind} on {self.day}"


class Scope(models.TextChoices):
    ORGANISATION = "organisation"
    CAMPAIGN = "campaign"
    PETITION = "petition"
    STORY = "story"


class Dimension(models.TextChoices):
    TOTAL = "", "total"
    CHANNEL = "channel"
    REFERRER = "referrer"
    UTM_SOURCE = "utm_source"
    UTM_MEDIUM = "utm_medium"
    UTM_CAMPAIGN = "utm_campaign"


class DailyCount(models.Model):
    """One day's count of one kind, for one scope (the organisation, or one campaign, petition
    or story of it), in total or for one value of one dimension (a channel, a referring
    domain, a utm value).

    Every event adds to up to four scopes × six dimensions: a report reads only the rows of
    its scope and dimension over its days (a few thousand), never the events (P6). Written
    only by the roll-up tasks (tasks.py).
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField(default=0)
    dimension = models.CharField(max_length=12, choices=Dimension.choices, blank=True)
    value = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=40)
    day = models.DateField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index every report reads by: equal on the first four, a range of days.
            models.UniqueConstraint(
                fields=["organisation", "scope", "scope_id", "dimension", "day", "kind", "value"],
                name="analytics_one_count_each",
            )
        ]
        indexes = [models.Index(fields=["kind", "day"], name="analytics_kind_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} {self.scope_id} {self.dimension}={self.value} {self.day}"


class RestateCursor(models.Model):
    """Up to when the roll-up has asked the apps which past days to count again (one row,
    `rollup.restate`)."""

    name = models.CharField(max_length=40, unique=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} up to {self.until}"
