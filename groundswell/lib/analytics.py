"""The registry of what Groundswell counts, and the counter every process keeps in memory.

We count views and actions, never people: no cookie, no IP address, no visitor id is read
or kept for this, and a reader whose browser sends `DNT: 1` or `Sec-GPC: 1` is not counted
at all (docs/analytics.md).

**Kinds.** Every app says what it counts in its own `analytics.py` with `register(Kind(...))`
at import time; `discover()` imports them all, as lib/retention.py does for retention kinds.
A kind is one of two sorts:

- *counted* (`rows=None`): something only a request sees, such as a page view or a click on
  a share button. The request calls `count(kind, dims)`, which adds one to a dictionary in
  this process; a thread writes the dictionary out in one batch every FLUSH_SECONDS, or
  sooner once it holds FLUSH_KEYS keys, and at exit (see `Counter`). A process killed hard
  loses what it had not written yet: at most a few seconds of views.
- *from rows* (`rows=...`): something the product already keeps a row for (a signature, a
  confirmation, a follower). Writing an event beside each row would count it twice and
  could disagree with it; instead the roll-up task asks the kind's `rows(start, end)` for
  the counts of a span of days and replaces what it had for those days.

A kind with `outcome=True` is also an *outcome*: something a campaign set out to achieve
(confirmed signatures, new supporters, referred signatures, replies), which the time log
divides by staff hours. `groundswell.analytics.outcomes.counts()` reads an outcome's count
per campaign, channel or day over a date range.

**Dimensions.** A count is kept per day (UTC) and per `Dims`: the organisation, the campaign,
petition and story it concerns (0 where none), the channel, the referring site's domain and
the three `utm_*` values. Nothing in `Dims` identifies a person.

This lives in `lib` because the page copy (lib/pagecache.py) counts before Django runs and
every app registers from below the `analytics` app, which stands on top (docs/architecture.md);
the app installs the writer (`install_writer`) and keeps the roll-ups.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
from collections import Counter as CountsOf
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest
    from django.utils.functional import _StrPromise

logger = logging.getLogger("groundswell.analytics")


class Dims(NamedTuple):
    """What a count is about: never who. Ids are 0 and texts "" where they do not apply."""

    organisation_id: int
    campaign_id: int = 0
    petition_id: int = 0
    story_id: int = 0
    channel: str = ""
    referrer: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""


# The rows of a span of days [start, end): (day, dims, count) for every organisation.
Rows = Callable[[datetime, datetime], Iterable[tuple[date, Dims, int]]]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str | _StrPromise
    # None: counted by requests (`count`); otherwise counted from the product's rows.
    rows: Rows | None = None
    outcome: bool = False
    # Where it stands in tables (the funnel's steps first).
    order: int = 100


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    existing = REGISTRY.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"another analytics kind is already called {kind.name!r}")
    REGISTRY[kind.name] = kind
    return kind


def discover() -> dict[str, Kind]:
    """Import every app's analytics.py, so that REGISTRY holds every kind."""
    autodiscover_modules("analytics")
    return REGISTRY


def kinds() -> list[Kind]:
    return sorted(discover().values(), key=lambda kind: (kind.order, kind.name))


def outcome_kinds() -> list[Kind]:
    return [kind for kind in kinds() if kind.outcome]


def row_kinds() -> list[Kind]:
    return [kind for kind in kinds() if kind.rows is not None]


# --- Past days counted again ----------------------------------------------------------------

# The roll-up recounts kinds from rows over the last few days only, so a verb that changes
# what older rows count (a bulk invalidation strikes signatures out of every count; its undo
# puts them back) says which days it changed: the app registers a function of a span of
# time [since, until) that returns the days (UTC) whose counts its verbs changed in that
# span, and the roll-up counts those days again (analytics/rollup.py, `restate`).
Restated = Callable[[datetime, datetime], Iterable[date]]
RESTATERS: list[Restated] = []


def restates(function: Restated) -> Restated:
    """Register `function` (a decorator): the days it returns are counted again."""
    if function not in RESTATERS:
        RESTATERS.append(function)
    return function


def restated_days(since: datetime, until: datetime) -> set[date]:
    """Every day some app's verbs changed the counts of between `since` and `until`."""
    discover()
    return {day for function in RESTATERS for day in function(since, until)}


# --- Channels -------------------------------------------------------------------------------

# Where people come from and share to. A share link says it with `ch`; otherwise the
# referring site or `utm_source` tells; no referrer at all is "site" (typed, bookmarked,
# or a page of ours). Anything unknown is "web" (another website) or "other".
CHANNELS = (
    "site", "web", "search", "fediverse", "bluesky", "mastodon", "feed", "email", "whatsapp",
    "telegram", "facebook", "x", "linkedin", "copy", "native", "api", "other",
)  # fmt: skip
_KNOWN = frozenset(CHANNELS)
_SITES = {
    "t.co": "x", "x.com": "x", "twitter.com": "x", "facebook.com": "facebook",
    "m.facebook.com": "facebook", "l.facebook.com": "facebook", "lm.facebook.com": "facebook",
    "bsky.app": "bluesky", "go.bsky.app": "bluesky", "web.whatsapp.com": "whatsapp",
    "wa.me": "whatsapp", "t.me": "telegram", "web.telegram.org": "telegram",
    "linkedin.com": "linkedin", "lnkd.in": "linkedin", "google.com": "search",
    "bing.com": "search", "duckduckgo.com": "search", "startpage.com": "search",
    "ecosia.org": "search", "search.brave.com": "search", "qwant.com": "search",
}  # fmt: skip
_SOURCES = {"newsletter": "email", "rss": "feed", "atom": "feed", "twitter": "x"}
_WORD = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
_HOST = re.compile(r"[a-z0-9.-]{1,100}")


def word(value: str) -> str:
    """A `utm_*` or channel value as we keep it: lower case, plain ASCII, at most 40 characters;
    "" for anything else (free text there could be anything, a name or an address)."""
    value = value.strip().lower()[:40]
    return value if _WORD.fullmatch(value) else ""


def referrer_host(referer: str, own_host: str = "") -> str:
    """The referring site's domain without `www.`, "" for none, ours or a malformed one."""
    if not referer:
        return ""
    try:
        host = (urlsplit(referer[:2000]).hostname or "").removeprefix("www.")
    except ValueError:
        return ""
    if not _HOST.fullmatch(host) or host == own_host:
        return ""
    return host


def channel_of(ch: str = "", referrer: str = "", utm_source: str = "", utm_medium: str = "") -> str:
    """The channel of a view or an action, from its share tag, utm values and referring site."""
    if ch in _KNOWN:
        return ch
    if utm_medium == "email":
        return "email"
    source = _SOURCES.get(utm_source, utm_source)
    if source in _KNOWN:
        return source
    if referrer:
        found = _SITES.get(referrer)
        if found is None and referrer.startswith(("google.", "bing.", "search.")):
            found = "search"
        return found or "web"
    return "other" if ch or utm_source else "site"


# --- Whether to count a request -------------------------------------------------------------

_ROBOT = re.compile(r"bot|crawl|spider|slurp|preview|fetch|monitor|curl|wget|python|http", re.I)


def refused(meta: dict[str, Any]) -> bool:
    """True when this request must not be counted: the reader asked not to be tracked
    (DNT or Global Privacy Control), a browser only prefetches, or a program reads."""
    if meta.get("HTTP_DNT") == "1" or meta.get("HTTP_SEC_GPC") == "1":
        return True
    if "prefetch" in meta.get("HTTP_SEC_PURPOSE", "") or meta.get("HTTP_PURPOSE") == "prefetch":
        return True
    agent = meta.get("HTTP_USER_AGENT", "")
    if not agent:
        return True
    # The same few browsers ask again and again: their answer is remembered (bounded).
    robot = _agents.get(agent)
    if robot is None:
        robot = _ROBOT.search(agent) is not None
        if len(_agents) >= REMEMBERED:
            _agents.clear()
        _agents[agent] = robot
    return robot


REMEMBERED = 4096
_agents: dict[str, bool] = {}


_own_host = ""


def _site_host() -> str:
    global _own_host
    if not _own_host:
        from django.conf import settings

        _own_host = (urlsplit(settings.SITE_URL).hostname or "").removeprefix("www.")
    return _own_host


# Where a view leaves what its page counts for (environ is request.META, so the page copy
# in front of Django finds it too: lib/pagecache.py keeps it with the copy).
PAGE_KEY = "groundswell.analytics.page"


def mark_page(request: HttpRequest, page: Dims) -> None:
    """Say what a view of this page counts for: its organisation, campaign, petition, story.

    A view decorated with `pagecache.public_page` is then counted on every reply, from the
    copy too; any other view calls `viewed(request)` once it has its answer.
    """
    request.META[PAGE_KEY] = page


def marked_page(request: HttpRequest) -> Dims | None:
    return request.META.get(PAGE_KEY)


def viewed(request: HttpRequest) -> None:
    """Count a view of the page `request` marked, unless a member of staff is reading."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return
    page_view(request, marked_page(request))


def page_view(request: HttpRequest, page: Dims | None) -> None:
    """Count one view of `page` (its organisation, campaign, petition, story) by `request`.

    Called for every reply of a public page, from the page copy before Django runs too, so
    it stays cheap: a few header reads, and what a query string and a referrer say about
    the channel is worked out once per combination (a viral page is read through a few
    hundred share links, each by many people) and remembered, bounded.
    """
    if page is None or not COUNTING:
        return
    meta = request.META
    if meta.get("REQUEST_METHOD") != "GET" or refused(meta):
        return
    key = (page, meta.get("QUERY_STRING", ""), meta.get("HTTP_REFERER", ""))
    dims = _derived.get(key)
    if dims is None:
        dims = _dims_of(request, page)
        if len(_derived) >= REMEMBERED:
            _derived.clear()
        _derived[key] = dims
    count("page_view", dims)


_derived: dict[tuple[Dims, str, str], Dims] = {}


def _dims_of(request: HttpRequest, page: Dims) -> Dims:
    query = request.GET
    referrer = referrer_host(request.META.get("HTTP_REFERER", ""), _site_host())
    source = word(query.get("utm_source", ""))
    medium = word(query.get("utm_medium", ""))
    name = word(query.get("utm_campaign", ""))
    channel = channel_of(word(query.get("ch", "")), referrer, source, medium)
    return page._replace(
        channel=channel, referrer=referrer, utm_source=source, utm_medium=medium, utm_campaign=name
    )


# --- The counter ----------------------------------------------------------------------------

# (kind, day as days since 1970-01-01 UTC, dims) → how many.
Key = tuple[str, int, Dims]
Writer = Callable[[dict[Key, int]], None]

FLUSH_SECONDS = float(os.environ.get("ANALYTICS_FLUSH_SECONDS", "5"))
FLUSH_KEYS = 2000
# Past this many distinct keys waiting (the database has been away a while, or someone
# sends endless made-up utm values), referrer and utm values fold into "" so that memory
# and the roll-ups stay bounded; the totals stay right.
MAX_KEYS = 20_000
COUNTING = os.environ.get("ANALYTICS_COUNTING", "true").lower() not in ("0", "false", "no")
EPOCH = date(1970, 1, 1)


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=number)


class Counter:
    """Counts in this process, written out in batches by a thread of its own.

    No request ever writes to the database for a count. The thread starts with the first
    count in a process (after a fork too) and writes every FLUSH_SECONDS, sooner when
    FLUSH_KEYS keys wait; `atexit` writes what is left when the process ends normally.
    A batch the writer fails to store goes back into the counter for the next try.
    With FLUSH_SECONDS = 0 (the tests) no thread runs: `flush()` writes when called.
    """

    def __init__(self) -> None:
        self._counts: dict[Key, int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._started = False
        self._writer: Writer | None = None
        self._failures = 0
        # A forked child (a server's worker) starts afresh: its parent writes its own counts.
        os.register_at_fork(after_in_child=self._forked)

    def add(self, kind: str, dims: Dims, n: int = 1, day: int | None = None) -> None:
        # `day` (days since 1970-01-01) only for a benchmark that makes up a year of counts.
        key = (kind, int(time.time() // 86400) if day is None else day, dims)
        with self._lock:
            size = self._merge(key, n)
        if not self._started:
            self._start()
        if size >= FLUSH_KEYS:
            self._wake.set()

    def install(self, writer: Writer) -> None:
        self._writer = writer

    def take(self) -> dict[Key, int]:
        with self._lock:
            taken, self._counts = self._counts, {}
        return taken

    def _merge(self, key: Key, n: int) -> int:
        """Add under the lock; returns how many keys wait."""
        counts = self._counts
        if key not in counts and len(counts) >= MAX_KEYS:
            kind, day, dims = key
            key = (kind, day, dims._replace(referrer="", utm_source="", utm_medium="",
                                            utm_campaign=""))  # fmt: skip
        counts[key] = counts.get(key, 0) + n
        return len(counts)

    def give_back(self, counts: dict[Key, int]) -> None:
        with self._lock:
            for key, n in counts.items():
                self._merge(key, n)

    def flush(self) -> int:
        """Write what was counted; returns how many counts went out."""
        taken = self.take()
        if not taken:
            return 0
        if self._writer is None:  # the analytics app is not installed: nothing keeps counts
            return 0
        try:
            self._writer(taken)
        except Exception:
            self._failures += 1
            if self._failures == 1:
                logger.exception(
                    "Could not store %d counts; they wait for the next try", len(taken)
                )
            self.give_back(taken)
            return 0
        self._failures = 0
        return sum(taken.values())

    def forget(self) -> None:
        self.take()

    def _forked(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._counts = {}
        self._started = False

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        if FLUSH_SECONDS <= 0:
            return
        threading.Thread(target=self._run, name="analytics-flush", daemon=True).start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            self.flush()
            if self._failures:
                # The database refused: wait a whole period, however many keys wait.
                time.sleep(FLUSH_SECONDS)


COUNTER = Counter()


def count(kind: str, dims: Dims, n: int = 1) -> None:
    """Count `n` of `kind` now, in memory; written out within FLUSH_SECONDS."""
    if COUNTING:
        COUNTER.add(kind, dims, n)


def install_writer(writer: Writer) -> None:
    COUNTER.install(writer)


def flush() -> int:
    return COUNTER.flush()


# --- Helpers for kinds counted from rows ----------------------------------------------------


# A share link's source that names no channel: the site's own pages, or a bare "share".
NO_SHARE_CHANNEL = frozenset({"web", "share"})


def shared_dims(organisation_id: int, campaign_id: int | None, data: dict[str, str]) -> Dims:
    """The Dims of an action taken through a share link, read from the referrer data stored
    with it (the link's source and the referring website)."""
    source = str(data.get("source", ""))
    source = "" if source in NO_SHARE_CHANNEL else word(source)
    website = str(data.get("website", ""))
    referrer = referrer_host(f"https://{website}/") if website else ""
    return Dims(
        organisation_id=organisation_id,
        campaign_id=campaign_id or 0,
        channel=channel_of(source, referrer),
        referrer=referrer,
    )


def shared_day_counts(
    rows: QuerySet[Any], when: str, campaign: str, start: datetime, end: datetime
) -> Iterator[tuple[date, Dims, int]]:
    """Count `rows` (with `organisation_id` and `referrer_data`) per UTC day of `when` in
    [start, end), per campaign (the lookup `campaign`) and per the channel of the share link
    each came by. Read in Python: the channel is worked out from the stored referrer data."""
    counts: CountsOf[tuple[date, Dims]] = CountsOf()
    found = rows.filter(**{f"{when}__gte": start, f"{when}__lt": end}).values_list(
        when, "organisation_id", campaign, "referrer_data"
    )
    for at, organisation_id, campaign_id, data in found.iterator(chunk_size=5000):
        counts[
            (at.astimezone(UTC).date(), shared_dims(organisation_id, campaign_id, data or {}))
        ] += 1
    yield from ((day, dims, n) for (day, dims), n in counts.items())


def day_counts(
    queryset: QuerySet[Any], when: str, fields: dict[str, str], **fixed: Any
) -> Iterator[tuple[date, Dims, int]]:
    """Count `queryset`'s rows per UTC day of the field `when` and per the `Dims` fields in
    `fields` (a Dims field → the lookup that gives it), in the database; `fixed` gives the
    Dims fields that are the same for every row (a channel, say)."""
    rows = (
        queryset.annotate(analytics_day=TruncDate(when, tzinfo=UTC))
        .values("analytics_day", *fields.values())
        .annotate(analytics_n=Count("pk"))
        .order_by()
    )
    for row in rows:
        values: dict[str, Any] = {
            name: row[lookup] or _EMPTY[name] for name, lookup in fields.items()
        }
        yield row["analytics_day"], _BLANK._replace(**values, **fixed), row["analytics_n"]


_EMPTY = {name: (0 if name.endswith("_id") else "") for name in Dims._fields}
_BLANK = Dims(0)
