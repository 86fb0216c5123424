"""Forty days of fictional time entries for the demo organisation, and each member's budget.

Made through the verbs, as staff would. Today the owner is at about 83 % of her budget, so
the gentle warning shows as soon as she signs in.
"""

from __future__ import annotations

import random
from datetime import timedelta

from groundswell.accounts.models import Membership, Role
from groundswell.campaigns.models import Campaign

from . import services
from .models import Activity

BUDGETS = {Role.OWNER: 90, Role.EDITOR: 120, Role.MODERATOR: 60, Role.ANALYST: 30}
# What each role spends its social media time on, as weights.
HABITS = {
    Role.OWNER: {"writing": 3, "scheduling": 1, "replying": 2, "listening": 2, "moderating": 1},
    Role.EDITOR: {"writing": 5, "scheduling": 3, "replying": 2, "listening": 1},
    Role.MODERATOR: {"moderating": 5, "replying": 3, "listening": 2},
    Role.ANALYST: {"listening": 3},
}
CHANNELS = ["", "", "site", "fediverse", "bluesky", "email", "whatsapp"]
DAYS = 40  # over a month back: last month's report has weeks of figures any day


def seed_time(memberships: list[Membership], campaigns: list[Campaign]) -> None:
    rng = random.Random(11)
    today = services.today()
    for member in memberships:
        role = Role(member.role)
        if role not in HABITS:
            continue
        services.set_budget(member, BUDGETS[role])
        activities = list(HABITS[role])
        weights = list(HABITS[role].values())
        for back in range(DAYS, 0, -1):
            day = today - timedelta(days=back)
            if day.weekday() >= 5 and rng.random() < 0.8:
                continue  # mostly weekdays
            budget = BUDGETS[role]
            # Most days near the budget, some over: the week view shows both.
            left = int(budget * rng.uniform(0.6, 1.25))
            while left > 5:
                minutes = min(left, rng.choice([10, 15, 20, 25, 30, 45, 60]))
                services.add_entry(
                    member,
                    {
                        "date": day,
                        "minutes": minutes,
                        "activity": rng.choices(activities, weights)[0],
                        "campaign": rng.choice([*campaigns, None]),
                        "channel": rng.choice(CHANNELS),
                    },
                )
                left -= minutes
    owner = next(m for m in memberships if m.role == Role.OWNER)
    for minutes, activity in (
        (30, Activity.WRITING),
        (25, Activity.REPLYING),
        (20, Activity.LISTENING),
    ):
        services.add_entry(
            owner,
            {"date": today, "minutes": minutes, "activity": activity, "campaign": campaigns[0]},
        )
