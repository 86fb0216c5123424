"""Volunteer needs: "40 people with vans on Saturday".

A `Need` belongs to an organisation (and, if staff choose, one of its campaigns): how many
people it wants in all and the skills or resources it asks for, each with how many. Its
`Shift`s have a time (stored in UTC, shown in the need's time zone), a place and a number of
slots. A `Signup` is one person for one shift: the public form stores it with one INSERT
(`state=new`, unique per shift and address) and the worker decides (`decide.py`): a place
(`confirmed`) while the shift has slots, else the waitlist, and emails which. States and
their moves are written once in `workflow.py`.
"""

from __future__ import annotations

import secrets
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import of_public_organisation


def new_token() -> str:
    # 16 random bytes: unguessable, and says nothing about who holds it.
    return secrets.token_urlsafe(16)


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Taking volunteers")
    CLOSED = "closed", _("Closed")


class NeedQuerySet(models.QuerySet["Need"]):
    def public(self) -> NeedQuerySet:
        """Open or closed needs of approved organisations (drafts are staff-only)."""
        return self.filter(
            of_public_organisation(), status__in=(NeedStatus.OPEN, NeedStatus.CLOSED)
        ).select_related("organisation", "campaign", "wording")

    def for_organisation(self, organisation: Any) -> NeedQuerySet:
        return self.filter(organisation=organisation)


class Need(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="volunteer_needs"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_needs",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what the volunteers will do"), max_length=4000, blank=True)
    quantity = models.PositiveIntegerField(_("people wanted in all"))
    # [{"name": "Van", "wanted": 10}, ...]: the skills or resources asked for, with how many.
    skills = models.JSONField(default=list, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/London")
    status = models.CharField(max_length=10, choices=NeedStatus.choices, default=NeedStatus.DRAFT)
    # The exact words a volunteer agrees to when they sign up (never edited, only superseded).
    wording = models.ForeignKey(
        "supporters.ConsentWording", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NeedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("volunteers:need", args=[self.organisation.slug, self.pk])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def skill_names(self) -> list[str]:
        return [str(skill["name"]) for skill in self.skills]


class Shift(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(_("place"), max_length=300)
    slots = models.PositiveIntegerField(_("people on this shift"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"shift {self.pk} of need {self.need_id}"


class SignupState(models.TextChoices):
    NEW = "new", _("Waiting for the worker")
    CONFIRMED = "confirmed", _("Place confirmed")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


class DecisionEmail(models.TextChoices):
    """The email a decided sign-up is owed (`Signup.email_owed`): the row is the queue."""

    NONE = "", _("Nothing owed")
    PLACED = "placed", _("Your place")
    WAITLISTED = "waitlisted", _("The waitlist")


class Signup(models.Model):
    """One person for one shift, from the form's INSERT to the day (and check-in)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="volunteer_signups"
    )
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="signups")
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    # Filled by the worker (find or create, as the sign path does).
    supporter = models.ForeignKey(
        "supporters.Supporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_signups",
    )
    state = models.CharField(max_length=12, choices=SignupState.choices, default=SignupState.NEW)
    email = models.EmailField(max_length=254)
    email_key = models.CharField(max_length=254)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The names of the need's skills or resources this person brings.
    skills = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=12, blank=True)
    # Consent: the words they ticked (the need's wording when they signed up), and when.
    wording = models.ForeignKey(
        "supporters.ConsentWording", on_delete=models.PROTECT, related_name="+"
    )
    # The person's own page (in their emails: their place, cancel): the token is the proof.
    token = models.CharField(max_length=32, unique=True, default=new_token)
    # Their personal share link for the need (the thank-you page is keyed by it too).
    share_token = models.CharField(max_length=32, unique=True, default=new_token)
    referral_token = models.CharField(max_length=64, blank=True)
    referred_by = models.ForeignKey(
        "supporters.Supporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_volunteers",
    )
    referrer_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker with its decision, cleared once the mail server took the email
    # that says which (telling.py); the mail server putting the address off waits.
    email_owed = models.CharField(
        max_length=12, choices=DecisionEmail.choices, default=DecisionEmail.NONE, blank=True
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shift", "email_key"], name="one_signup_per_shift")
        ]
        indexes = [
            models.Index(fields=["state", "id"]),
            models.Index(fields=["shift", "state"]),
            models.Index(fields=["organisation", "email_key"]),
            # The sender's queue: the few rows still owed an email, oldest first.
            models.Index(
                fields=["id"], condition=~models.Q(email_owed=""), name="volunteers_signup_owed"
            ),
        ]

    def __str__(self) -> str:
        return f"signup {self.pk} for shift {self.shift_id}"
