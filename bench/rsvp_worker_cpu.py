"""The worker's CPU per RSVP: deciding it and emailing the person, to a real SMTP sink.

    .venv/bin/python bench/rsvp_worker_cpu.py                     # 2,000 RSVPs, 3 rounds
    .venv/bin/python bench/rsvp_worker_cpu.py --rsvps 4000 --rounds 5
    .venv/bin/python bench/rsvp_worker_cpu.py --root /path/to/other/checkout   # compare

The same fresh SQLite database and fixture as bench/spike.py (its `prepare`, with the event
of a million places: every RSVP gets one, the worker's usual path). Each round (after an
untimed one of `--warmup`) stores `--rsvps` new RSVPs through the form's own `intake.take`
(not timed), then times this process's CPU (user + system; SQLite runs in it) while the
worker's share is done to the end: `decisions.decide_waiting` until no RSVP is new, the
batched decision emails (`letters.tell_decided`, where the checkout has it) until none
is owed, and any email tasks queued meanwhile (django-tasks-db, run here as the worker
runs them) until none waits. The SMTP sink (bench/smtp_sink.py) runs in a process of its
own, so its CPU is not counted. Every RSVP must be decided and have had exactly one email
at the sink.
`--root` runs the same measurement against another checkout (say, the code before a change).
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rsvps", type=int, default=2000, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=200, help="RSVPs in an untimed round first")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root / "bench"))
    sys.path.insert(0, str(root))
    import spike

    port = spike.free_port()
    arrivals = Path(tempfile.mkdtemp(prefix="groundswell-rsvp-sink-")) / "arrivals.txt"
    sink = subprocess.Popen(
        [sys.executable, str(root / "bench/smtp_sink.py"), "--port", str(port), "--out", arrivals]
    )
    try:
        spike.wait_for(port)
        env, fixture = spike.prepare(argparse.Namespace(db="sqlite", port=8000, smtp_port=port))
        for name in ("GROUNDSWELL_DATA_DIR", "SITE_URL", "LOG_LEVEL", "EMAIL_BACKEND"):
            os.environ[name] = env[name]
        os.environ.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)})
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "groundswell.settings"
        run(args, fixture, arrivals, root)
    finally:
        sink.terminate()
        sink.wait()


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def run(args: argparse.Namespace, fixture: dict, arrivals: Path, root: Path) -> None:
    import django

    django.setup()
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from groundswell.events import decisions, intake
    from groundswell.events.models import Attendance, AttendanceState, Event

    try:
        letters = importlib.import_module("groundswell.events.letters")
    except ImportError:
        letters = None
    event = Event.objects.select_related("organisation").get(pk=fixture["event"])
    per_rsvp: list[float] = []
    per_decision: list[float] = []
    taken = 0
    for round_ in range(args.rounds + 1):
        count = args.rsvps if round_ else args.warmup  # round 0 loads templates, URLs …
        for n in range(count):
            taken += 1
            intake.take(
                event,
                intake.RsvpRequest(
                    email=f"bench.rsvp.{round_}.{n}@example.org",
                    given_name="Asha",
                    family_name="Bench",
                    wants_updates=n % 5 < 2,
                    language="en",
                    referrer_data={"source": "web"},
                ),
            )
        DBTaskResult.objects.all().delete()
        before, started = cpu(), time.perf_counter()
        while decisions.decide_waiting():
            pass
        deciding = cpu() - before
        if letters is not None:
            while letters.tell_decided():
                pass
        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="bench",
            excluded_queue_names=[],
        ).run()
        spent, elapsed = cpu() - before, time.perf_counter() - started
        time.sleep(0.5)  # the sink writes its last lines
        emailed = sum(1 for _ in arrivals.open())
        if round_:
            per_rsvp.append(1000 * spent / count)
            per_decision.append(1000 * deciding / count)
            print(
                f"round {round_}: {count} RSVPs in {elapsed:.2f} s, "
                f"{per_rsvp[-1]:.2f} ms CPU an RSVP ({per_decision[-1]:.2f} of it deciding); "
                f"{emailed} emails at the sink in all",
                flush=True,
            )
        if Attendance.objects.filter(state=AttendanceState.NEW).exists() or emailed != taken:
            sys.exit("not every RSVP was decided and emailed exactly once")
    print(f"command: python bench/rsvp_worker_cpu.py {' '.join(sys.argv[1:])}")
    print(f"checkout: {root}; load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print(
        f"worker CPU per RSVP (deciding + email): median {statistics.median(per_rsvp):.2f} ms "
        f"(rounds {', '.join(f'{value:.2f}' for value in per_rsvp)}); deciding alone "
        f"{statistics.median(per_decision):.2f} ms (with the email composed and queued, where "
        "the checkout does that in the decision)"
    )


if __name__ == "__main__":
    main()
