"""CPU and SQL statements per POST of the sign form and the P8 forms, in one process.

    .venv/bin/python bench/p8_cpu.py                       # 4 rounds of 300 POSTs per form
    .venv/bin/python bench/p8_cpu.py --posts 500 --rounds 6
    .venv/bin/python bench/p8_cpu.py --profile vote        # and where a vote's time goes
    .venv/bin/python bench/p8_cpu.py --worker              # and the worker's share per row

A repeatable figure beside bench/spike.py's (which needs a quiet machine): the same fresh
SQLite database and fixture as spike.py (its `prepare`), the Django test client through the
full middleware, no worker. Each round posts every form in turn (sign, RSVP, volunteer
sign-up, vote: A B C D A B C D …), each POST from a new person at an address of their own
(X-Forwarded-For through a trusted proxy, as spike.py's crowd), and times the process's CPU
(user + system: SQLite runs in this process, so its work counts too). It prints the median
CPU per POST of each form over the rounds, its ratio to the sign form's, and the SQL
statements one POST of each runs. Every POST must answer 302.

With --worker it then does, form by form, what the worker does with those rows (records or
decides them, then sends the emails they owe to a real SMTP server on 127.0.0.1,
bench/smtp_sink.py, in a process of its own) and prints the CPU this process spent per row:
under a spike the worker shares the two cores, and on SQLite the write lock, with the web.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

FORMS = ("sign", "rsvp", "volunteer", "vote")
FORM = "application/x-www-form-urlencoded"


class Crowd:
    """One new person per POST: a unique address, name and email; a few with extras."""

    def __init__(self, fixture: dict[str, Any]) -> None:
        self.fixture = fixture
        self.n = 0

    def post(self, form: str) -> tuple[str, dict[str, str], str]:
        self.n += 1
        n, f = self.n, self.fixture
        org = f["org"]
        email = f"bench.{form}.{n}@example.org"
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        if form == "sign":
            path = f"/o/{org}/petitions/{f['petition']}/sign/"
            data = {"given_name": "Asha", "family_name": "Bench", "email": email, "consent": "on"}
        elif form == "rsvp":
            path = f"/o/{org}/events/{f['event']}/rsvp/"
            data = {"given_name": "Asha", "family_name": "Bench", "email": email}
            if n % 5 < 2:
                data["wants_updates"] = "on"
        elif form == "volunteer":
            path = f"/o/{org}/volunteer/{f['need']}/sign-up/"
            shift = f["shifts"][0] if n % 10 else f["shifts"][1]
            data = {"shift": str(shift), "given_name": "Asha", "email": email, "consent": "on"}
            if n % 4 == 0:
                data["skills"] = f["skills"][0]
            if n % 3 == 0:
                data["phone"] = f"+44 7700 9{n % 100000:05d}"
        else:
            path = f"/o/{org}/idea/{f['ideas'][n % len(f['ideas'])]}/vote/"
            data = {"vote-given_name": "Asha", "vote-email": email}
            if n % 5 < 2:
                data["vote-wants_updates"] = "on"
        return path, data, address


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300, help="per form per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=50, help="POSTs per form first")
    parser.add_argument("--profile", choices=FORMS, help="profile one more round of this form")
    parser.add_argument("--worker", action="store_true", help="and the worker's CPU per row")
    args = parser.parse_args()

    import spike

    env, fixture = spike.prepare(argparse.Namespace(db="sqlite", port=8000, smtp_port=0))
    for name in ("GROUNDSWELL_DATA_DIR", "SITE_URL", "TRUSTED_PROXIES", "LOG_LEVEL"):
        os.environ[name] = env[name]
    os.environ["SIGN_RATE_LIMIT_PER_MINUTE"] = env["SIGN_RATE_LIMIT_PER_MINUTE"]
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "groundswell.settings"
    sink = start_sink(Path(env["GROUNDSWELL_DATA_DIR"])) if args.worker else None
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(REMOTE_ADDR="127.0.0.1", SERVER_NAME="127.0.0.1")
    crowd = Crowd(fixture)

    def send(form: str, count: int) -> None:
        for _ in range(count):
            path, data, address = crowd.post(form)
            body = urlencode(data)  # as a browser and bench/lua/*.lua send a form
            response = client.post(path, body, content_type=FORM, HTTP_X_FORWARDED_FOR=address)
            if response.status_code != 302:
                sys.exit(f"{form}: {path} answered {response.status_code}, not 302")

    for form in FORMS:
        send(form, args.warmup)
    statements: dict[str, list[str]] = {}
    for form in FORMS:
        with CaptureQueriesContext(connection) as queries:
            send(form, 1)
        statements[form] = [query["sql"] for query in queries.captured_queries]

    per_post: dict[str, list[float]] = {form: [] for form in FORMS}
    for _ in range(args.rounds):
        for form in FORMS:
            before = cpu()
            send(form, args.posts)
            per_post[form].append(1000 * (cpu() - before) / args.posts)

    print(f"command: python bench/p8_cpu.py {' '.join(sys.argv[1:])}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    sign = statistics.median(per_post["sign"])
    for form in FORMS:
        median = statistics.median(per_post[form])
        rounds = ", ".join(f"{value:.2f}" for value in per_post[form])
        print(
            f"{form:>9}: {median:.2f} ms CPU a POST ({median / sign:.2f}× sign; rounds {rounds}); "
            f"{len(statements[form])} SQL statements"
        )
    for form in FORMS:
        print(f"\n{form}:")
        for sql in statements[form]:
            print(f"  {sql[:160]}")

    if args.profile:
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        send(args.profile, args.posts)
        profiler.disable()
        print(
            f"\nprofiled {args.posts} {args.profile} POSTs in {time.perf_counter() - started:.2f} s"
        )
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    if sink is not None:
        try:
            worker_share()
        finally:
            sink.terminate()
            sink.wait()


def start_sink(folder: Path) -> subprocess.Popen[bytes]:
    """bench/smtp_sink.py on a free port, with Django's SMTP backend pointed at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(port),
         "--out", str(folder / "arrivals.txt")]
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    os.environ.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
    )
    return sink


def worker_share() -> None:
    """Each form's rows recorded or decided, then their emails sent: CPU per row."""
    from django.core.management import call_command

    from groundswell.actions import emails as sign_emails
    from groundswell.actions import intake as sign_intake
    from groundswell.events import decisions, letters
    from groundswell.ideas import intake as vote_intake
    from groundswell.ideas import vote_emails
    from groundswell.volunteers import decide

    def queued_emails() -> int:
        # The emails queued as tasks, one by one (what the worker's default queue runs).
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "default",
                     verbosity=0)  # fmt: skip
        return 0

    steps: dict[str, tuple[Callable[[], int], ...]] = {
        "sign": (sign_intake.process, sign_emails.send_confirmations_and_notices),
        "rsvp": (decisions.decide_waiting, letters.tell_decided),
        "volunteer": (decide.decide_waiting, queued_emails),
        "vote": (vote_intake.process, vote_emails.send_batch),
    }
    print("\nthe worker's share, form by form (this process's CPU per row):")
    queued_emails()  # whatever the warm-up left, so each form pays for its own
    for form, (record, *send) in steps.items():
        before, rows = cpu(), 0
        while done := record():
            rows += done
        recorded = cpu()
        for step in send:
            while step():
                pass
        after = cpu()
        if rows:
            print(
                f"{form:>9}: {rows} rows; {1000 * (recorded - before) / rows:.2f} ms recording, "
                f"{1000 * (after - recorded) / rows:.2f} ms emailing, "
                f"{1000 * (after - before) / rows:.2f} ms in all a row"
            )


if __name__ == "__main__":
    main()
