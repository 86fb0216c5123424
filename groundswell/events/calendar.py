"""iCalendar (RFC 5545) for events: one file per event, a feed per organisation and per
campaign. Written with the `icalendar` library, which folds long lines, escapes text and
writes the VTIMEZONE blocks: times go out in the event's own zone (TZID), so a calendar
shows 10:00 in London as 10:00 in London whatever zone its reader is in.

Only what the public page shows goes in: never the online link (sent to people with a
place) and nothing about who is coming.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from django.conf import settings

from .models import Event, EventKind

PRODID = "-//Groundswell//Events//EN"


def uid(event: Event) -> str:
    # Stable for the life of the event, and unique to this site: RFC 5545 3.8.4.7.
    return f"event-{event.pk}@{urlsplit(settings.SITE_URL).hostname or 'groundswell'}"


def component(event: Event) -> icalendar.Event:
    url = f"{settings.SITE_URL}{event.get_absolute_url()}"
    entry = icalendar.Event()
    entry.add("uid", uid(event))
    entry.add("dtstamp", event.updated_at)
    entry.add("created", event.created_at)
    entry.add("last-modified", event.updated_at)
    entry.add("dtstart", event.local_start)
    entry.add("dtend", event.local_end)
    entry.add("summary", event.title)
    entry.add("description", f"{event.description}\n\n{url}")
    entry.add("location", event.venue if event.kind == EventKind.PHYSICAL else "Online")
    entry.add("url", url)
    entry.add("sequence", event.sequence)
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    entry.add(
        "organizer",
        f"{settings.SITE_URL}/o/{event.organisation.slug}/",
        parameters={"CN": event.organisation.name},
    )
    return entry


def calendar(events: Iterable[Event], *, name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(component(event))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
