"""P6: the funnel and channel reports over 10,000,000 events, on SQLite and on PostgreSQL.

    .venv/bin/python bench/analytics.py --events 10000000                      # SQLite
    .venv/bin/python bench/analytics.py --events 10000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/gs_analytics_bench   # PostgreSQL

A fresh database (SQLite: a temporary file; PostgreSQL: the database named, whose analytics
tables are emptied first) with one organisation of 20 campaigns, each with 3 petitions and 2
stories. `--events` events are made up over `--days` days (page views, signatures,
confirmations, share clicks, referred signatures, in about those proportions; pages drawn
with a long tail, as are referring sites among 300 for the channel "web"; a fifth tagged
with one of six utm source and medium pairs and one of their campaign's two utm_campaign
tags) and go the way real ones go:
counted in memory by lib/analytics.Counter, written out as PendingCount batches (one per
day, as a web process writes every few seconds), and added into the DailyCount roll-ups by
`rollup.roll_up_pending`, the periodic task's step. (In production signatures and
confirmations reach the same roll-ups from their rows; the report reads them the same way.)

Then each report the staff pages show is timed five times (median and slowest printed):
the organisation's funnel and channel table over the whole span, the referring sites, the
campaigns, the day-by-day table, and one campaign's funnel and channels. Correctness: every
kind's total in the funnel, and the channel table's column sums, must equal the number of
events made up of that kind.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KINDS = [("page_view", 80), ("sign", 10), ("confirm", 6), ("share_click", 3), ("referred_sign", 1)]
CHANNELS = [("site", 30), ("whatsapp", 15), ("facebook", 10), ("email", 10), ("x", 6),
            ("bluesky", 6), ("mastodon", 5), ("fediverse", 4), ("feed", 3), ("web", 8),
            ("search", 2), ("telegram", 1)]  # fmt: skip
REFERRERS = [f"site{n}.example" for n in range(300)]
# (utm_source, utm_medium) as organisations tag their own links; each campaign has its own
# two utm_campaign tags.
TAGGED = [("newsletter", "email"), ("partner", "referral"), ("flyer", "print"),
          ("instagram", "social"), ("radio", "offline"), ("podcast", "audio")]  # fmt: skip


def weighted(pairs: list[tuple[str, int]], rng: random.Random, size: int) -> list[str]:
    names, weights = zip(*pairs, strict=True)
    return rng.choices(names, weights=weights, k=size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--database-url", default="", help="PostgreSQL; SQLite if left out")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="groundswell-analytics-")
    os.environ.update({
        "GROUNDSWELL_DATA_DIR": data, "SITE_URL": "http://127.0.0.1:8000",
        "DJANGO_SETTINGS_MODULE": "groundswell.settings", "LOG_LEVEL": "WARNING",
        "ANALYTICS_FLUSH_SECONDS": "0",
    })  # fmt: skip
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from groundswell.accounts.models import Organisation
    from groundswell.analytics import reports, rollup
    from groundswell.analytics.models import DailyCount, PendingCount, Scope
    from groundswell.lib import analytics
    from groundswell.lib.analytics import Dims

    DailyCount.objects.all().delete()
    PendingCount.objects.all().delete()
    organisation, _ = Organisation.objects.get_or_create(
        slug="bench-analytics", defaults={"name": "Bench Analytics"}
    )
    pages = []  # (campaign, petition, story) of each page a view can be of
    for campaign in range(1, 21):
        pages.append((campaign, 0, 0))
        pages += [(campaign, campaign * 10 + n, 0) for n in range(3)]
        pages += [(campaign, 0, campaign * 10 + n) for n in range(2)]

    rng = random.Random(args.seed)
    today = int(time.time() // 86400)
    first_day = today - args.days + 1
    made: Counter[str] = Counter()
    per_day = args.events // args.days
    print(f"{connection.vendor}: making {per_day * args.days:,} events over {args.days} days",
          flush=True)  # fmt: skip
    started = time.perf_counter()
    for day in range(first_day, today + 1):
        kinds = weighted(KINDS, rng, per_day)
        channels = weighted(CHANNELS, rng, per_day)
        for kind, channel in zip(kinds, channels, strict=True):
            campaign, petition, story = pages[(int(rng.paretovariate(1.2)) - 1) % len(pages)]
            referrer = REFERRERS[int(rng.paretovariate(1.0)) % 300] if channel == "web" else ""
            source, medium, tag = "", "", ""
            if rng.random() < 0.2:
                source, medium = TAGGED[(int(rng.paretovariate(1.5)) - 1) % len(TAGGED)]
                tag = f"c{campaign}-push-{int(rng.random() < 0.3)}"
            dims = Dims(organisation.pk, campaign, petition, story, channel, referrer, source,
                        medium, tag)  # fmt: skip
            analytics.COUNTER.add(kind, dims, day=day)
            made[kind] += 1
        analytics.flush()
        if (day - first_day) % 10 == 9 or day == today:
            while rollup.roll_up_pending(limit=200_000):
                pass
            done = day - first_day + 1
            elapsed = time.perf_counter() - started
            rows = DailyCount.objects.count()
            print(
                f"  {done}/{args.days} days, {sum(made.values()):,} events, "
                f"{rows:,} roll-up rows, {elapsed:.0f} s",
                flush=True,
            )
    print(f"made and rolled up in {time.perf_counter() - started:.0f} s; "
          f"{DailyCount.objects.count():,} DailyCount rows", flush=True)  # fmt: skip

    first = analytics.day_of(first_day)
    last = analytics.day_of(today)
    whole = reports.Span(organisation.pk, first, last)
    one = reports.Span(organisation.pk, first, last, scope=Scope.CAMPAIGN, scope_id=1)
    names = {campaign: f"Campaign {campaign}" for campaign in range(1, 21)}
    timed: list[tuple[str, Callable[[], Any]]] = [
        ("funnel, organisation", lambda: reports.funnel(whole)),
        ("channels, organisation", lambda: reports.by_channel(whole)),
        ("referring sites, organisation", lambda: reports.by_value(whole, "referrer")),
        ("campaigns, organisation", lambda: reports.by_scope(whole, Scope.CAMPAIGN, names)),
        ("day by day, organisation", lambda: reports.by_day(whole)),
        ("funnel, one campaign", lambda: reports.funnel(one)),
        ("channels, one campaign", lambda: reports.by_channel(one)),
    ]
    print(f"\nreports over {sum(made.values()):,} events, {args.days} days ({connection.vendor}):")
    results: dict[str, Any] = {}
    for name, report in timed:
        times = []
        for _ in range(5):
            began = time.perf_counter()
            results[name] = report()
            times.append(time.perf_counter() - began)
        print(f"  {name:32s} median {1000 * statistics.median(times):8.1f} ms, "
              f"slowest {1000 * max(times):8.1f} ms")  # fmt: skip

    funnel = {step.kind: step.count for step in results["funnel, organisation"]}
    assert funnel == dict(made), (funnel, dict(made))
    for kind in made:
        column = sum(row.get(kind) for row in results["channels, organisation"])
        assert column == made[kind], (kind, column, made[kind])
    print("correct: the funnel and every channel column add up to the events made")
    print(f"command: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
