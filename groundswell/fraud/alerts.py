"""Telling staff who asked that a source trends: one email per trend per person.

A trend is raised at most once per source per window (trends.THROTTLE), so this is the
throttle too. The email carries the source and the figures, never a supporter's details.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from groundswell.accounts.models import PERMISSIONS
from groundswell.notifications.services import queue_email

from .models import AlertSubscription, Trend


def subscribers(organisation_id: int) -> list[AlertSubscription]:
    """Those who asked, while their role may still read the trends."""
    return list(
        AlertSubscription.objects.filter(
            membership__organisation_id=organisation_id,
            membership__role__in=PERMISSIONS["fraud.view"],
            membership__user__is_active=True,
        ).select_related("membership__user", "membership__organisation")
    )


def tell_subscribers(trends: list[Trend]) -> int:
    """Queue the emails for newly raised trends; how many were queued."""
    by_organisation: dict[int, list[Trend]] = defaultdict(list)
    for trend in trends:
        by_organisation[trend.organisation_id].append(trend)
    queued = 0
    for organisation_id, raised in by_organisation.items():
        people = subscribers(organisation_id)
        for subscription in people:
            membership = subscription.membership
            organisation = membership.organisation
            for trend in raised:
                path = reverse("fraud:trend", args=[organisation.slug, trend.pk])
                link = settings.SITE_URL + path
                context = {"trend": trend, "organisation": organisation, "link": link}
                queue_email(
                    to=membership.user.email,
                    subject=_("Trending source at %(org)s: %(source)s")
                    % {"org": organisation.name, "source": trend.source},
                    body=render_to_string("fraud/email/trending.txt", context),
                )
                queued += 1
        Trend.objects.filter(pk__in=[trend.pk for trend in raised]).update(emailed=len(people))
    return queued
