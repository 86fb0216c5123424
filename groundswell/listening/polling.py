"""Polling one monitor: claim it, fetch politely, read, store the signals, and say when next.

A poll never raises for anything a source does (R3): a hostile or broken source ends its
own poll with a clear `last_error` and a later retry, and the next monitor is polled as if
nothing happened. The interval adapts: halved (down to MIN_INTERVAL) after a poll that
brought something new, half as long again (up to MAX_INTERVAL) after one that did not; a
server's Cache-Control max-age and Retry-After put the next poll later, never sooner.
Failures in a row back off the same way and, from BREAKER's threshold, rest the monitor
(its circuit breaker, lib/leases.py) with the reason shown to staff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.lib import http, leases

from . import discovery, fetching, mastodon, services, signals, tasks, websub
from .models import POLLED, Monitor, MonitorKind, MonitorState, SignalSource
from .parsing import Document, Refused, parse

log = logging.getLogger(__name__)

MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(hours=6)
# A claimed poll holds its monitor this long at most (longer than a fetch's deadline).
CLAIM = leases.Retry(lease=timedelta(minutes=2), waits=())
# Past the threshold a monitor rests: longer than any back-off before it, doubling up to
# two days while the source stays broken.
BREAKER = leases.Breaker(threshold=5, pause=timedelta(hours=12), max_pause=timedelta(days=2))
# A poll in which every one of at least this many items is new, on a monitor polled before,
# is read as item ids that change at every poll.
CHURN_MIN_ITEMS = 5


@dataclass
class Outcome:
    """What one poll did, for the command's line and the monitor's row."""

    status: str
    new: int = 0
    error: str = ""
    found: list[str] = field(default_factory=list)


def claim(monitor: Monitor, moment: datetime) -> bool:
    rows = Monitor.objects.filter(
        pk=monitor.pk,
        state__in=POLLED,
        next_attempt_at=monitor.next_attempt_at,
        next_attempt_at__lte=moment,
    )
    return leases.claim(rows, CLAIM, moment)


def poll(monitor_id: int, *, force: bool = False) -> Outcome:
    """Poll one due monitor (any polled monitor with `force`); returns what happened."""
    monitor = Monitor.objects.select_related("organisation").filter(pk=monitor_id).first()
    if monitor is None or monitor.state not in POLLED:
        return Outcome(status="not polled")
    moment = leases.now()
    if force and monitor.next_attempt_at > moment:
        Monitor.objects.filter(pk=monitor.pk).update(next_attempt_at=moment)
        monitor.next_attempt_at = moment
    if not claim(monitor, moment):
        return Outcome(status="not due")
    try:
        if monitor.kind == MonitorKind.HASHTAG:
            return _hashtag(monitor)
        if monitor.state == MonitorState.DISCOVERING or not monitor.url:
            return _discover(monitor)
        return _feed(monitor)
    except fetching.HostBusy as busy:
        # Not a failure: another monitor on the host was asked a moment ago.
        Monitor.objects.filter(pk=monitor.pk).update(next_attempt_at=busy.until)
        return Outcome(status="waiting for its host")
    except (http.FetchError, Refused) as error:
        return _failed(monitor, str(error))
    except Exception as error:  # one source must never stop the others
        log.exception("poll of monitor %s failed", monitor.pk)
        return _failed(monitor, _("an internal error (%(kind)s)") % {"kind": type(error).__name__})


def _failed(monitor: Monitor, error: str, *, retry_after: datetime | None = None) -> Outcome:
    failures = monitor.consecutive_failures + 1
    moment = leases.now()
    pause = BREAKER.pause_for(failures)
    wait = pause or min(
        timedelta(seconds=monitor.interval_seconds) * (1 << min(failures, 6)), MAX_INTERVAL
    )
    due = moment + wait
    if retry_after is not None and retry_after > due:
        due = retry_after
    state = MonitorState.RESTING if pause else MonitorState.FAILING
    if monitor.state == MonitorState.DISCOVERING and not pause:
        state = MonitorState.DISCOVERING
    Monitor.objects.filter(pk=monitor.pk, state__in=POLLED).update(
        state=state,
        consecutive_failures=failures,
        last_error=error[:300],
        last_polled_at=moment,
        last_new=0,
        next_attempt_at=due,
        polls=monitor.polls + 1,
    )
    return Outcome(status=str(MonitorState(state).label), error=error)


def _worked(
    monitor: Monitor,
    *,
    new: int,
    status: str,
    min_wait: timedelta | None = None,
    **fields: object,
) -> Outcome:
    interval = timedelta(seconds=monitor.interval_seconds)
    # Halved after news, half as long again after none.
    interval = max(MIN_INTERVAL, interval / 2) if new else min(MAX_INTERVAL, interval * 3 / 2)
    moment = leases.now()
    pushed = monitor.websub_verified_until and monitor.websub_verified_until > moment
    # A hub pushes each update: a poll now and then only checks nothing was missed.
    wait = max(MAX_INTERVAL if pushed else interval, min_wait or timedelta(0))
    Monitor.objects.filter(pk=monitor.pk, state__in=POLLED).update(
        state=MonitorState.ACTIVE,
        consecutive_failures=0,
        last_error="",
        last_polled_at=moment,
        last_new=new,
        interval_seconds=int(interval.total_seconds()),
        next_attempt_at=moment + wait,
        polls=monitor.polls + 1,
        **fields,
    )
    return Outcome(status=status, new=new)


def _refusal(response: http.Response) -> str:
    if response.status == 429:
        return _("the server asked us to slow down (429 Too Many Requests)")
    if response.status == 503:
        return _("the server is unavailable for now (503)")
    if response.status in (401, 403):
        return _("the server refuses to share it without signing in (%(status)s)") % {
            "status": response.status
        }
    if response.status in (404, 410):
        return _("the server says it is not there (%(status)s)") % {"status": response.status}
    return _("the server answered %(status)s") % {"status": response.status}


def _feed(monitor: Monitor) -> Outcome:
    fetched = fetching.polite_get(
        monitor.url, headers=fetching.conditional_headers(monitor.etag, monitor.last_modified)
    )
    response = fetched.response
    age = fetching.max_age(response.headers.get("cache-control", ""))
    if response.status == 304:
        return _worked(monitor, new=0, status=_("not modified"), min_wait=age)
    if response.status != 200:
        return _failed(monitor, _refusal(response), retry_after=fetched.retry_after)
    document = parse(response.content, response.headers.get("content-type", ""))
    return _store(monitor, document, response, age)


def _store(
    monitor: Monitor,
    document: Document,
    response: http.Response | None,
    age: timedelta | None,
) -> Outcome:
    notice = ""
    with transaction.atomic():
        result = signals.ingest(
            monitor.organisation, SignalSource.FEED, document.items, monitor=monitor
        )
        fresh = result.new + result.duplicates + result.over_cap
        churning = (
            monitor.polls > 0
            and len(document.items) >= CHURN_MIN_ITEMS
            and fresh == len(document.items)
        )
        if result.over_cap:
            notice = _("%(count)s new items in one poll: only the first %(cap)s were taken.") % {
                "count": result.over_cap + signals.MAX_NEW_PER_POLL,
                "cap": signals.MAX_NEW_PER_POLL,
            }
        if churning:
            notice = _(
                "Every item had a new id at this poll: the feed's ids seem to change each time."
            )
        elif monitor.polls:
            # Ids that change every poll would make every item look deleted: only a feed
            # whose ids hold still tells a deleted item from the others.
            dated = [item.published_at for item in document.items if item.published_at]
            present = {item.external_id for item in document.items}
            signals.forget_gone(monitor, present, min(dated) if dated else None)
    fields: dict[str, object] = {"notice": notice[:300]}
    if response is not None:
        fields["etag"] = response.headers.get("etag", "")[:200]
        fields["last_modified"] = response.headers.get("last-modified", "")[:100]
    if document.title and not monitor.title:
        fields["title"] = document.title
    if document.hub and document.hub != monitor.hub_url:
        fields["hub_url"] = document.hub
    outcome = _worked(monitor, new=result.new, status=_("listening"), min_wait=age, **fields)
    monitor.hub_url = document.hub or monitor.hub_url
    if websub.should_ask(monitor):
        tasks.queue_websub_subscribe(monitor.pk)
    return outcome


def _discover(monitor: Monitor) -> Outcome:
    fetched = fetching.polite_get(monitor.site_url)
    response = fetched.response
    if response.status != 200:
        return _failed(monitor, _refusal(response), retry_after=fetched.retry_after)
    content_type = response.headers.get("content-type", "")
    if discovery.looks_like_feed(response.content, content_type):
        feeds = [response.url]
    else:
        feeds = discovery.feeds_in(response.text, response.url)
    if not feeds:
        Monitor.objects.filter(pk=monitor.pk).update(
            state=MonitorState.NO_FEED,
            last_error=_("the page names no RSS, Atom or JSON feed")[:300],
            last_polled_at=leases.now(),
        )
        return Outcome(status=str(MonitorState.NO_FEED.label), error=_("no feed found"))
    found = services.found_feeds(monitor, feeds)
    return Outcome(status=_("feeds found"), found=found)


def _hashtag(monitor: Monitor) -> Outcome:
    url = mastodon.timeline_url(monitor.server, monitor.hashtag, monitor.cursor)
    fetched = fetching.polite_get(url, headers={"Accept": "application/json"})
    response = fetched.response
    if response.status != 200:
        return _failed(monitor, _refusal(response), retry_after=fetched.retry_after)
    items, newest = mastodon.statuses(response.content)
    with transaction.atomic():
        result = signals.ingest(monitor.organisation, SignalSource.HASHTAG, items, monitor=monitor)
    fields: dict[str, object] = {}
    if newest:
        fields["cursor"] = newest
    age = fetching.max_age(response.headers.get("cache-control", ""))
    return _worked(monitor, new=result.new, status=_("listening"), min_wait=age, **fields)
