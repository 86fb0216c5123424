"""How fast one worker process records the votes the vote form took in (intake alone).

    .venv/bin/python bench/vote_intake.py --votes 5000            # votes a second
    .venv/bin/python bench/vote_intake.py --votes 5000 --profile  # and where it goes

A fresh SQLite database with one open challenge, three shown ideas and `--votes` intake
rows taken through the same `intake.take` the vote form calls: spread over the ideas, a
fifth brought by an earlier voter's link, one in ten from a person who voted for another
idea already (so the same person comes twice in one batch), half asking for updates. The
recording step then runs in this process until no row waits; it prints votes a second and
the CPU per vote, and checks that each row became one vote owing one confirmation email
(sent afterwards in batches by `vote_emails.py`; bench/vote_worker_cpu.py times both).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--votes", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="groundswell-votes-")
    os.environ.update({
        "GROUNDSWELL_DATA_DIR": data, "SITE_URL": "http://127.0.0.1:8000",
        "DJANGO_SETTINGS_MODULE": "groundswell.settings", "LOG_LEVEL": "WARNING",
    })  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    call_command("migrate", verbosity=0)
    from groundswell.accounts.models import Membership, User
    from groundswell.accounts.services import create_organisation
    from groundswell.ideas import intake, services
    from groundswell.ideas.models import Confirmation, Idea, Vote, VoteIntake

    owner = User.objects.create_user("bench-owner@example.org", None, name="Bench Owner")
    organisation = create_organisation(name="Bench Org", slug="bench", owner=owner, approved=True)
    membership = Membership.objects.get(user=owner, organisation=organisation)
    now = timezone.now()
    challenge = services.save_challenge(
        membership,
        None,
        {
            "campaign": None,
            "question": "What should the bench fund pay for?",
            "description": "A made-up challenge for a benchmark.",
            "opens_at": now - timedelta(days=1),
            "closes_at": now + timedelta(days=30),
            "currency": "GBP",
        },
    )
    ideas = [
        Idea.objects.create(
            organisation=organisation,
            challenge=challenge,
            title=f"Bench idea {n}",
            body="Made up.",
            state=Confirmation.CONFIRMED,
        )
        for n in range(3)
    ]
    tokens: list[str] = []
    for n in range(args.votes):
        repeat = n % 10 == 9  # this person voted for the idea before (another idea)
        person = n - 1 if repeat else n
        referral = tokens[n // 2] if n % 5 == 4 and tokens else ""
        request = intake.VoteRequest(
            email=f"bench.voter{person}@example.net",
            given_name=f"Voter{person}",
            wants_updates=n % 2 == 0,
            referral_token=referral,
            referrer_data={"source": "whatsapp"} if referral else {},
        )
        tokens.append(intake.take(ideas[(n + (1 if repeat else 0)) % 3], request))
    assert VoteIntake.objects.count() == args.votes
    DBTaskResult.objects.all().delete()
    from django.urls import reverse

    reverse("ideas:confirm", args=["warm"])  # the URL patterns load once per process, not here

    profiler = cProfile.Profile() if args.profile else None
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    while intake.process():
        pass
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    recorded = Vote.objects.count()
    referred = Vote.objects.filter(referred_by__isnull=False).count()
    # Each new vote owes its email (the row is the queue); none is queued as a task.
    emails = Vote.objects.filter(confirmation_emailed=False).count()
    if DBTaskResult.objects.filter(task_path__endswith="send_email").exists():
        sys.exit("a vote's email was queued as a task of its own")
    print(f"command: python bench/vote_intake.py {' '.join(sys.argv[1:])}")
    print(
        f"recorded {recorded} votes ({referred} referred, {emails} emails owed) in "
        f"{elapsed:.2f} s: {recorded / elapsed:.0f}/s; CPU per vote {1000 * cpu / recorded:.3f} ms"
    )
    if recorded != args.votes or emails != args.votes or VoteIntake.objects.exists():
        sys.exit("not every intake row became one vote with one email")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
