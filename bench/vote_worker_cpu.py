"""The worker's CPU per vote: recording it and sending its confirmation email to a real SMTP
server on 127.0.0.1 (P8's share of the worker, on the vote form's 2 cores).

    .venv/bin/python bench/vote_worker_cpu.py                      # 3 rounds of 2,000 votes
    .venv/bin/python bench/vote_worker_cpu.py --votes 4000 --rounds 5
    .venv/bin/python bench/vote_worker_cpu.py --root /work/main    # another checkout's code

A fresh SQLite database (migrated; one open challenge with three shown ideas) and a mail
sink (bench/smtp_sink.py) in a process of its own, so its CPU is not counted. Each round
takes `--votes` votes in through the form's own `intake.take` (not counted), then times
this process's CPU (user + system; SQLite runs here too) while the worker's share runs to
the end, in two parts: recording (`intake.process` until nothing waits) and emailing. The
emails go the way the checkout under `--root` sends them: batches of rows through
`ideas.vote_emails` where it exists, otherwise one django-tasks-db task per email, each
claimed and run by the database worker's own loop (`db_worker --batch`, in this process).
It prints each part's median CPU per vote over the rounds, and checks that every vote was
recorded once and its email reached the sink exactly once.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def arrivals(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--votes", type=int, default=2000, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    root = args.root.resolve()

    data = Path(tempfile.mkdtemp(prefix="groundswell-vote-worker-"))
    port = free_port()
    sink_log = data / "arrivals.txt"
    sink = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("smtp_sink.py")), "--port", str(port),
         "--out", str(sink_log)],
    )  # fmt: skip
    try:
        time.sleep(1)  # the sink listening
        run(args, root, data, port, sink_log)
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def run(args: argparse.Namespace, root: Path, data: Path, port: int, sink_log: Path) -> None:
    os.environ.update({
        "GROUNDSWELL_DATA_DIR": str(data), "SITE_URL": "http://127.0.0.1:8000",
        "DJANGO_SETTINGS_MODULE": "groundswell.settings", "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
    })  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("TASKS_BACKEND", None)
    sys.path.insert(0, str(root))
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from groundswell.accounts.models import Membership, User
    from groundswell.accounts.services import create_organisation
    from groundswell.ideas import intake, services
    from groundswell.ideas.models import Confirmation, Idea, Vote, VoteIntake

    batched = importlib.util.find_spec("groundswell.ideas.vote_emails") is not None
    owner = User.objects.create_user("bench-owner@example.org", None, name="Bench Owner")
    organisation = create_organisation(name="Bench Org", slug="bench", owner=owner, approved=True)
    membership = Membership.objects.get(user=owner, organisation=organisation)
    now = timezone.now()
    challenge = services.save_challenge(
        membership, None,
        {"campaign": None, "question": "What should the bench fund pay for?",
         "description": "A made-up challenge for a benchmark.",
         "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=30),
         "currency": "GBP"},
    )  # fmt: skip
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
    reverse("ideas:confirm", args=["warm"])  # the URL patterns load once per process
    send = _batched_sender() if batched else _task_sender()

    recording: list[float] = []
    emailing: list[float] = []
    voter = 0
    for round_number in range(args.rounds):
        for _ in range(args.votes):
            voter += 1
            request = intake.VoteRequest(
                email=f"bench.voter{voter}@example.net", given_name=f"Voter{voter}",
                language="en", wants_updates=voter % 2 == 0,
            )  # fmt: skip
            intake.take(ideas[voter % 3], request)
        sent_before = len(arrivals(sink_log))
        started = cpu()
        while intake.process():
            pass
        recorded = cpu()
        send()
        done = cpu()
        deadline = time.monotonic() + 30
        while len(arrivals(sink_log)) < sent_before + args.votes and time.monotonic() < deadline:
            time.sleep(0.1)
        recording.append(1000 * (recorded - started) / args.votes)
        emailing.append(1000 * (done - recorded) / args.votes)
        print(
            f"round {round_number + 1}: recording {recording[-1]:.3f} ms, "
            f"emailing {emailing[-1]:.3f} ms CPU per vote",
            flush=True,
        )
    lines = arrivals(sink_log)
    ids = [line.split()[1] for line in lines]
    total = args.votes * args.rounds
    print(f"command: python bench/vote_worker_cpu.py {' '.join(sys.argv[1:])}")
    print(f"code: {root} ({'batched vote emails' if batched else 'one task per email'})")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    r, e = statistics.median(recording), statistics.median(emailing)
    print(
        f"median CPU per vote over {args.rounds} rounds of {args.votes}: recording {r:.3f} ms, "
        f"emailing {e:.3f} ms, the worker's share {r + e:.3f} ms"
    )
    if Vote.objects.count() != total or VoteIntake.objects.exists():
        sys.exit("not every vote was recorded once")
    if len(lines) != total or len(set(ids)) != total:
        sys.exit(f"{len(lines)} emails reached the sink ({len(set(ids))} Message-IDs), not {total}")


def _batched_sender() -> Any:
    from groundswell.ideas import vote_emails

    def send() -> None:
        while vote_emails.send_batch():
            pass

    return send


def _task_sender() -> Any:
    from django_tasks_db.management.commands.db_worker import Worker

    def send() -> None:
        Worker(
            queue_names=["default"], interval=0, batch=True, backend_name="default",
            startup_delay=False, max_tasks=None, worker_id="bench", excluded_queue_names=[],
        ).run()  # fmt: skip

    return send


if __name__ == "__main__":
    main()
