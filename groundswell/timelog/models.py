"""A staff member's time on social media work: a daily budget, a running timer, entries.

Entries belong to the person (`user`) in one organisation; nobody else but the
organisation's owners sees them (PERMISSIONS "timelog.team"). Deleting the account keeps
the entries without the person (`user` set to NULL), so the organisation's hours do not
change; the retention kind `timelog.entries` deletes entries past their period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A day's budget and one entry are at most a day long; a stopped timer is cut at half that
# (a timer left running overnight is a forgotten one, not a 20-hour shift).
DAY_MINUTES = 24 * 60
TIMER_CAP_MINUTES = 12 * 60


class Activity(models.TextChoices):
    WRITING = "writing", _("Writing")
    SCHEDULING = "scheduling", _("Scheduling")
    REPLYING = "replying", _("Replying")
    LISTENING = "listening", _("Listening")
    MODERATING = "moderating", _("Moderating")


class Source(models.TextChoices):
    TIMER = "timer", _("Timer")
    MANUAL = "manual", _("Entered by hand")


class DailyBudget(models.Model):
    """How many minutes a day a member means to spend on social media work."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="time_budget"
    )
    minutes = models.PositiveSmallIntegerField(_("minutes a day"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.minutes} min a day"


class TimeEntryQuerySet(models.QuerySet["TimeEntry"]):
    def for_person(self, organisation_id: int, user_id: int) -> TimeEntryQuerySet:
        return self.filter(organisation_id=organisation_id, user_id=user_id)

    def between(self, first: object, last: object) -> TimeEntryQuerySet:
        return self.filter(date__gte=first, date__lte=last)


class TimeEntry(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="time_entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices)
    # Where the work was done, in the analytics registry's channel names ("" = several or none).
    channel = models.CharField(_("channel"), max_length=40, blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["organisation", "user", "date"]),
            models.Index(fields=["organisation", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=DAY_MINUTES),
                name="time_entry_minutes_in_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.minutes} min {self.activity}"


class RunningTimer(models.Model):
    """A timer someone started and has not stopped: at most one per person (unique user),
    whichever organisation it runs for. Stopping it turns it into a TimeEntry. It belongs to
    the membership it was started under, so it goes if the person leaves the organisation
    (and cannot block their timer elsewhere)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="running_timer"
    )
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activity = models.CharField(max_length=20, choices=Activity.choices)
    channel = models.CharField(max_length=40, blank=True, default="")
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"timer of {self.user_id} since {self.started_at}"
