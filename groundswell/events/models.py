"""Events people come to, in a place or online, and each person's answer (an attendance).

An RSVP is one INSERT of an `Attendance` in state `new` (intake.py); the worker decides
whether it has a place or waits on the list (`going` or `waitlisted`) and emails the
person either way. Times are stored in UTC and shown in the event's own time zone.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import of_public_organisation

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def new_token() -> str:
    # 16 random bytes: unguessable, and says nothing about who holds it.
    return secrets.token_urlsafe(16)


class EventKind(models.TextChoices):
    PHYSICAL = "physical", _("In a place")
    ONLINE = "online", _("Online")


class EventState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class EventQuerySet(models.QuerySet["Event"]):
    def for_organisation(self, organisation: Organisation | int) -> EventQuerySet:
        return self.filter(organisation=organisation)

    def public(self) -> EventQuerySet:
        """Events of live campaigns of approved organisations (cancelled ones too: their
        page says so)."""
        return self.filter(of_public_organisation(), campaign__status="live").select_related(
            "organisation", "campaign"
        )

    def upcoming(self) -> EventQuerySet:
        return self.filter(ends_at__gt=timezone.now()).order_by("starts_at", "pk")


class Event(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="events"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happens"), max_length=5000)
    kind = models.CharField(
        _("where"), max_length=10, choices=EventKind.choices, default=EventKind.PHYSICAL
    )
    venue = models.CharField(_("address of the place"), max_length=300, blank=True)
    # Sent to the people with a place only, never shown on the public page or in the feeds.
    online_url = models.URLField(_("link to join online"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London")
    capacity = models.PositiveIntegerField(_("places"), default=0, help_text=_("0 means no limit."))
    state = models.CharField(
        max_length=10, choices=EventState.choices, default=EventState.SCHEDULED
    )
    # RFC 5545 SEQUENCE: one more at each change people were told of.
    sequence = models.PositiveIntegerField(default=0)
    consent_wording = models.ForeignKey(
        "supporters.ConsentWording", on_delete=models.PROTECT, related_name="+"
    )
    updates_wording = models.ForeignKey(
        "supporters.ConsentWording", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organisation", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.organisation.slug, self.pk])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    @property
    def local_start(self) -> datetime:
        return self.local(self.starts_at)

    @property
    def local_end(self) -> datetime:
        return self.local(self.ends_at)

    @property
    def cancelled(self) -> bool:
        return self.state == EventState.CANCELLED

    @property
    def taking_rsvps(self) -> bool:
        return self.state == EventState.SCHEDULED and self.ends_at > timezone.now()


class AttendanceState(models.TextChoices):
    NEW = "new", _("Waiting for the worker")
    GOING = "going", _("Has a place")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled by the person")


# The states that hold a place or a spot in the queue for one.
ANSWERED = (AttendanceState.GOING, AttendanceState.WAITLISTED)


class AttendanceQuerySet(models.QuerySet["Attendance"]):
    def for_event(self, event: Event) -> AttendanceQuerySet:
        return self.filter(event=event)

    def going(self) -> AttendanceQuerySet:
        return self.filter(state=AttendanceState.GOING)

    def told(self) -> AttendanceQuerySet:
        """Everyone who holds a place or waits for one: whom a change must reach."""
        return self.filter(state__in=ANSWERED).exclude(email="")


class Attendance(models.Model):
    """One person's RSVP to one event, from the form's INSERT to the day itself."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    # Filled by the worker (found or created by address, as the sign path does).
    supporter = models.ForeignKey(
        "supporters.Supporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendances",
    )
    # The person's own page (from every email): proof enough to cancel.
    token = models.CharField(max_length=32, unique=True, default=new_token)
    # Their personal share link for the event, credited to them.
    share_token = models.CharField(max_length=32, unique=True, default=new_token)
    email = models.EmailField(max_length=254, blank=True)
    email_key = models.CharField(max_length=254)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=12, blank=True)
    wants_updates = models.BooleanField(default=False)
    # The "yes" to updates the worker recorded from this RSVP, until the person confirms it
    # from their email (consent.py): what the confirmation link turns into a standing consent.
    updates_consent = models.ForeignKey(
        "supporters.Consent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_url = models.URLField(max_length=2000, blank=True)
    state = models.CharField(
        max_length=12, choices=AttendanceState.choices, default=AttendanceState.NEW
    )
    # The identifier an API client gave (OSDI "system:id"), for its own records.
    external_id = models.CharField(max_length=255, blank=True)
    referral_token = models.CharField(max_length=64, blank=True)
    referred_by = models.ForeignKey(
        "supporters.Supporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_attendances",
    )
    referrer_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The row is the queue of the email that says what the worker decided (letters.py):
    # `decided_as` is the state it decided, `told_at` is set once the mail server took the
    # email about that decision. A decision (a first, or a fresh one after cancelling and
    # answering again) clears `told_at`; the sender marks it only where `decided_at` is
    # still the decision it wrote about.
    decided_as = models.CharField(max_length=12, choices=AttendanceState.choices, blank=True)
    told_at = models.DateTimeField(null=True, blank=True)
    # Tries the mail server put off (a 4xx to RCPT), and when to try again.
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_retry_at = models.DateTimeField(null=True, blank=True)
    # When a place was given (at once, or later from the waiting list).
    placed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        constraints = [
            # One answer per person per event: a second RSVP is the first one again.
            models.UniqueConstraint(fields=["event", "email_key"], name="one_rsvp_per_person")
        ]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["event", "state", "created_at"]),
            # The decision emails owed: few rows at any time, found without a scan.
            models.Index(
                fields=["decided_at"],
                name="attendance_untold",
                condition=models.Q(told_at__isnull=True, decided_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"attendance {self.pk} ({self.state})"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class NoticeKind(models.TextChoices):
    CHANGED = "changed", _("The time or place changed")
    CANCELLED = "cancelled", _("The event is cancelled")


class EventNotice(models.Model):
    """Everyone coming told of a change, in steps that resume (notices.py).

    Edits in quick succession fold into the notice not yet started: it is due a few
    minutes after the last of them and says how the event is when it goes out. A step holds
    the notice's named lease (`holder`, `until`) while it lists and sends.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    due_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    # Attendances up to this id have their delivery row; `listed` once all have.
    listed_to = models.BigIntegerField(default=0)
    listed = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    holder = models.CharField(max_length=120, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["finished_at", "due_at"])]

    def __str__(self) -> str:
        return f"notice {self.pk} ({self.kind}) of event {self.event_id}"


class NoticeState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (cancelled or erased meanwhile)")
    REFUSED = "refused", _("Not sent (the mail server kept putting it off)")


class NoticeDelivery(models.Model):
    """One notice to one attendee: written before it is sent, marked sent once the mail
    server took it, so a resumed step skips whoever had it already."""

    notice = models.ForeignKey(EventNotice, on_delete=models.CASCADE, related_name="+")
    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=10, choices=NoticeState.choices, default=NoticeState.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "attendance"], name="one_notice_each")
        ]
        indexes = [models.Index(fields=["notice", "state"])]

    def __str__(self) -> str:
        return f"notice {self.notice_id} to attendance {self.attendance_id}: {self.state}"
