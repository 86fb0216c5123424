"""Telling the members who asked that a rule or a campaign spikes: one email per spike per
person, with the signals that caused it. A spike is raised at most once per subject per
spikes.THROTTLE, so that is the emails' throttle too."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from groundswell.accounts.models import MEMBER, PERMISSIONS, STAFF_ACCESS, Role
from groundswell.notifications.services import queue_email

from . import spikes
from .models import Spike, SpikeSubscription

# Signals quoted in an email; the page lists them all.
QUOTED = 5


def readers() -> frozenset[str]:
    """The roles that may open a spike's page, as the permission table (STAFF_ACCESS) says:
    the email quotes what that page shows, so it goes to no one else."""
    needed = STAFF_ACCESS["listening:spike"]["GET"]
    return frozenset(Role.values) if needed == MEMBER else PERMISSIONS[needed]


def subscribers(organisation_id: int) -> list[SpikeSubscription]:
    """Those who asked, while they are still members, active, in a role that reads spikes.

    Checked at each sending, so a member whose role changes stops getting them at once
    (their choice is kept, should the role come back); one who leaves takes the choice with
    the membership (it is deleted with it)."""
    return list(
        SpikeSubscription.objects.filter(
            membership__organisation_id=organisation_id,
            membership__role__in=readers(),
            membership__user__is_active=True,
        ).select_related("membership__user", "membership__organisation")
    )


def tell_subscribers(raised: list[Spike]) -> int:
    """Queue the emails for newly raised spikes; how many were queued."""
    by_organisation: dict[int, list[Spike]] = defaultdict(list)
    for spike in raised:
        by_organisation[spike.organisation_id].append(spike)
    queued = 0
    for organisation_id, found in by_organisation.items():
        people = subscribers(organisation_id)
        for spike in found:
            heard = list(spikes.signals_of(spike, QUOTED))
            for subscription in people:
                membership = subscription.membership
                organisation = membership.organisation
                path = reverse("listening:spike", args=[organisation.slug, spike.pk])
                context = {
                    "spike": spike,
                    "organisation": organisation,
                    "signals": heard,
                    "link": settings.SITE_URL + path,
                }
                queue_email(
                    to=membership.user.email,
                    subject=_("Spike at %(org)s: %(subject)s")
                    % {"org": organisation.name, "subject": spike.subject},
                    body=render_to_string("listening/email/spike.txt", context),
                )
                queued += 1
        Spike.objects.filter(pk__in=[spike.pk for spike in found]).update(emailed=len(people))
    return queued
