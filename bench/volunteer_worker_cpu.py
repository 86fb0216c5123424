"""The worker's CPU per volunteer sign-up: deciding it and emailing the volunteer.

    .venv/bin/python bench/volunteer_worker_cpu.py                  # 4 rounds of 400 sign-ups
    .venv/bin/python bench/volunteer_worker_cpu.py --signups 1000 --rounds 3

The fixture and database are bench/spike.py's (`prepare`: a fresh SQLite file, a need with
a shift of many slots beside one of 20 that fills and waitlists). Each round posts its
sign-ups through the full sign-up form (Django's test client, not timed), then times this
process's CPU (user + system; SQLite runs in it, and so do the SMTP client's threads) while
it does what the worker does until every sign-up is decided and its email was taken by a
real SMTP server on 127.0.0.1 (bench/smtp_sink.py, in a process of its own, not counted):
it runs `decide_signups` until nothing is left `new`, then every email task that run
queued (if any) as `db_worker` runs a task. It checks that every sign-up was decided and
that the sink took exactly one email per sign-up.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
FORM = "application/x-www-form-urlencoded"


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def lines(path: Path) -> int:
    """Emails the sink took for the benchmark's volunteers (the fixture may send others)."""
    return sum("bench.volunteer." in line for line in path.read_text().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, default=400, help="per round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    import spike

    port = free_port()
    arrivals = Path(tempfile.mkdtemp(prefix="groundswell-sink-")) / "arrivals.txt"
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(port),
         "--out", str(arrivals)],
    )  # fmt: skip
    try:
        time.sleep(1.0)  # the sink's start
        env, fixture = spike.prepare(argparse.Namespace(db="sqlite", port=8000, smtp_port=port))
        for name in (
            "GROUNDSWELL_DATA_DIR",
            "SITE_URL",
            "TRUSTED_PROXIES",
            "LOG_LEVEL",
            "SIGN_RATE_LIMIT_PER_MINUTE",
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
        ):
            os.environ[name] = env[name]  # fmt: skip
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "groundswell.settings"
        sys.path.insert(0, str(ROOT))
        run(args, fixture, arrivals)
    finally:
        sink.terminate()
        sink.wait()


def run(args: argparse.Namespace, fixture: dict, arrivals: Path) -> None:
    import django

    django.setup()
    from django.test import Client
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from groundswell.lib.periodic import discover
    from groundswell.volunteers.models import Signup, SignupState

    decide = discover()["decide_signups"]
    worker = Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="bench", excluded_queue_names=[],
    )  # fmt: skip
    client = Client(REMOTE_ADDR="127.0.0.1", SERVER_NAME="127.0.0.1")
    org, need, shifts = fixture["org"], fixture["need"], fixture["shifts"]
    path = f"/o/{org}/volunteer/{need}/sign-up/"
    posted = 0

    def post(count: int) -> None:
        nonlocal posted
        for _ in range(count):
            posted += 1
            n = posted
            shift = shifts[0] if n % 10 else shifts[1]
            data = {"shift": str(shift), "given_name": "Asha", "consent": "on",
                    "email": f"bench.volunteer.{n}@example.org"}  # fmt: skip
            if n % 4 == 0:
                data["skills"] = fixture["skills"][0]
            address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            response = client.post(
                path, urlencode(data), content_type=FORM, HTTP_X_FORWARDED_FOR=address
            )
            if response.status_code != 302:
                sys.exit(f"the sign-up answered {response.status_code}, not 302")

    emails = DBTaskResult.objects.filter(
        task_path="groundswell.notifications.tasks.send_email", status="READY"
    )

    def work() -> None:
        while Signup.objects.filter(state=SignupState.NEW).exists():
            decide.call()
        while (queued := emails.first()) is not None:
            queued.claim("bench")
            worker.run_task(queued)

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 60
        while lines(arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    post(50)  # warm-up: imports, templates, connections
    work()
    wait_for(posted)
    per_signup: list[float] = []
    for _ in range(args.rounds):
        post(args.signups)
        before = cpu()
        work()
        per_signup.append(1000 * (cpu() - before) / args.signups)
        wait_for(posted)

    decided = Signup.objects.exclude(state=SignupState.NEW).count()
    took = lines(arrivals)
    print(f"command: python bench/volunteer_worker_cpu.py {' '.join(sys.argv[1:])}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    rounds = ", ".join(f"{value:.2f}" for value in per_signup)
    print(
        f"worker CPU per sign-up (decided and emailed): {statistics.median(per_signup):.2f} ms "
        f"(median; rounds {rounds})"
    )
    print(f"sign-ups {posted}, decided {decided}, emails at the sink {took}")
    if decided != posted or took != posted:
        sys.exit("not every sign-up was decided and emailed exactly once")


if __name__ == "__main__":
    main()
