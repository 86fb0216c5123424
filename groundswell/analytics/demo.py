"""A month of fictional figures for the demo: the demo's signatures spread over the last
DAYS days (as if the petitions had run that long), the page views and share clicks that
would have come with them, and the roll-ups counted, so the analytics pages, impact per
staff hour and the monthly report show a month at once.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from groundswell.accounts.models import Organisation
from groundswell.actions.models import Signature
from groundswell.lib.analytics import Dims
from groundswell.supporters.models import Supporter

from . import rollup

DAYS = 40
# Where the demo's readers come from, with how often (page views and share clicks).
VIEW_CHANNELS = {"site": 5, "whatsapp": 3, "fediverse": 2, "bluesky": 2, "email": 2, "x": 1}
SHARE_CHANNELS = {"whatsapp": 5, "email": 2, "bluesky": 2, "facebook": 1, "x": 1}


def seed_counts(organisation: Organisation) -> None:
    rng = random.Random(23)
    today = datetime.now(UTC).date()
    start = today - timedelta(days=DAYS)
    signatures = list(
        Signature.objects.filter(petition__organisation=organisation)
        .order_by("pk")
        .values_list("pk", "supporter_id", "confirmed_at", "petition_id", "petition__campaign_id")
    )
    # In the order they were taken (referral chains stay in order), a little more each week
    # as the sharing grows, mostly in the daytime.
    per_day: dict[tuple[date, int, int], int] = {}
    for index, (pk, supporter, confirmed, petition, campaign) in enumerate(signatures):
        share = (index / max(len(signatures), 1)) ** 0.8
        day = start + timedelta(days=min(int(share * DAYS), DAYS - 1))
        taken = datetime.combine(day, time(8), tzinfo=UTC) + timedelta(
            minutes=rng.randint(0, 12 * 60)
        )
        Signature.objects.filter(pk=pk).update(
            created_at=taken,
            updated_at=taken,
            confirmed_at=taken + timedelta(minutes=rng.randint(2, 90)) if confirmed else None,
        )
        Supporter.objects.filter(pk=supporter, created_at__gt=taken).update(created_at=taken)
        key = (day, petition, campaign or 0)
        per_day[key] = per_day.get(key, 0) + 1
    events: list[tuple[str, date, Dims, int]] = []
    for (day, petition, campaign), signed in per_day.items():
        mix: tuple[tuple[str, dict[str, int], float], ...] = (
            ("page_view", VIEW_CHANNELS, 6),
            ("share_click", SHARE_CHANNELS, 0.6),
        )
        for kind, channels, per_signature in mix:
            total = max(1, round(signed * per_signature * rng.uniform(0.7, 1.3)))
            names, weights = list(channels), list(channels.values())
            for _n in range(total):
                channel = rng.choices(names, weights)[0]
                dims = Dims(organisation.pk, campaign, petition, channel=channel)
                events.append((kind, day, dims, 1))
    rollup.add(rollup.spread(events))
    rollup.roll_up_rows(start, today + timedelta(days=1))
