"""R1: a signature spike while a web worker and the task worker are killed and restarted.

    .venv/bin/python bench/faults.py --requests 200000 --concurrency 256     # full size
    .venv/bin/python bench/faults.py --requests 3000 --concurrency 64        # quick

It serves the real site (`python -m groundswell serve`, two granian workers) and runs the
real worker against a real SMTP server on 127.0.0.1 (aiosmtpd, in this process). While the
load runs it kills one granian worker with SIGKILL (granian starts a new one) and kills the
task worker, starting it again two seconds later. Afterwards it waits for the queue to
drain and checks: every 302 is a stored signature, nobody is stored twice, and every
confirmation email asked for reached the SMTP server (by Message-ID; raw copies counted
too). tests/test_durability.py runs a small version of exactly this.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import loadgen
import spike
from drain import drain


@dataclass
class Outcome:
    accepted: int = 0
    stored: int = 0
    lost: int = 0
    duplicates: int = 0
    emails_distinct: int = 0
    emails_raw: int = 0
    # Stored signatures whose requested confirmation did not reach the SMTP server.
    unconfirmed_people: int = 0
    connection_errors: int = 0
    worker_kills: int = 0
    # The most copies of any one message at the SMTP server.
    most_copies: int = 0
    # Seconds from a person's first accepted POST to their first confirmation's arrival.
    email_delays: list[float] = field(default_factory=list)
    kills: list[str] = field(default_factory=list)
    load: loadgen.Report | None = None
    drain_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        # A request killed after its commit but before its reply is stored without a 302;
        # that is allowed (nothing acknowledged was lost), but no more than such failures.
        return (
            self.lost == 0
            and self.duplicates == 0
            and self.accepted <= self.stored <= self.accepted + self.connection_errors
            and self.unconfirmed_people == 0
            # Sending is at least once: a worker killed between the mail server's "250 OK"
            # and its own record of it sends that message again, with the same Message-ID.
            # The SMTP connections take turns to end a message, so one kill can double at
            # most one message.
            and self.emails_raw - self.emails_distinct <= self.worker_kills
            and self.most_copies <= 1 + self.worker_kills
        )

    def lines(self) -> list[str]:
        return [
            self.load.line() if self.load else "",
            f"kills: {', '.join(self.kills)}",
            f"accepted (302) {self.accepted}, stored {self.stored}, lost {self.lost}, "
            f"duplicated {self.duplicates}",
            f"confirmation emails at the SMTP server: {self.emails_distinct} distinct, "
            f"{self.emails_raw} raw copies; signers whose latest confirmation is missing: "
            f"{self.unconfirmed_people}",
            "confirmation delay (arrival at the SMTP server − POST): "
            + ", ".join(
                f"p{p} {_percentile(self.email_delays, p):.1f} s" for p in (50, 90, 99, 100)
            ),
            f"queue drained {self.drain_seconds:.1f} s after the load; "
            f"{'OK' if self.ok else 'FAILED'}",
        ]


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Sink:
    """Counts messages by Message-ID at a real SMTP server on 127.0.0.1, and notes when
    each recipient's first confirmation arrived (perf_counter, as the load generator's)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.ids: Counter[str] = Counter()
        self.first_confirmation: dict[str, float] = {}
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                arrived = time.perf_counter()
                for line in envelope.content.split(b"\r\n"):
                    if line.lower().startswith(b"message-id:"):
                        message_id = line.split(b":", 1)[1].strip().decode()
                        sink.ids[message_id] += 1
                        if message_id.startswith("<confirm.") and message_id.endswith(
                            tuple(f".1@{host}>" for host in ("127.0.0.1", "localhost"))
                        ):
                            for recipient in envelope.rcpt_tos:
                                sink.first_confirmation.setdefault(recipient.lower(), arrived)
                        break
                    if not line:
                        break
                return "250 OK"

        self.port = spike.free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def run(requests: int, concurrency: int, duration: float, *, drain_timeout: float = 120) -> Outcome:
    args = argparse.Namespace(db="sqlite", port=spike.free_port())
    env, fixture = spike.prepare(args)
    sink = Sink()
    env.update({
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    })  # fmt: skip
    python = sys.executable
    server = subprocess.Popen(
        [python, "-m", "groundswell", "serve", "--port", str(args.port), "--workers", "2"],
        env=env,
        cwd=ROOT,
    )
    worker = subprocess.Popen([python, "-m", "groundswell", "worker"], env=env, cwd=ROOT)
    outcome = Outcome()
    try:
        spike.wait_for(args.port)
        outcome.load = _in_own_thread(
            _load(
                args,
                fixture,
                requests,
                concurrency,
                duration,
                server,
                env,
                outcome,
                worker_box := [worker],
            )
        )
        worker = worker_box[0]
        drained = drain(Path(env["GROUNDSWELL_DATA_DIR"]) / "groundswell.sqlite3", drain_timeout)
        # Reported as the whole wait when it ran out: the checks after it say what was left.
        outcome.drain_seconds = drain_timeout if drained is None else drained
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        sink.stop()
    _verify(env, fixture, outcome, sink)
    return outcome


async def _load(
    args, fixture, requests, concurrency, duration, server, env, outcome, worker_box
) -> loadgen.Report:
    sign_path = f"/o/{fixture['org']}/petitions/{fixture['petition']}/sign/"
    signers = spike.Signers(seed=2)

    def sign(i: int) -> loadgen.Request:
        email, first, ref = signers.next(i, "f")
        form = {"given_name": first, "email": email, "consent": "on", "ref": ref}
        return loadgen.Request("POST", sign_path, urlencode(form).encode(), tag=email)

    async def saboteur(report_holder: list) -> None:
        # Kill a web worker at about a third of the run, the task worker at a half.
        while len(report_holder[0].results) < requests // 3:
            await asyncio.sleep(0.05)
        web = children(server.pid)
        if web:
            os.kill(web[0], signal.SIGKILL)
            outcome.kills.append(f"web worker {web[0]} at request {len(report_holder[0].results)}")
        while len(report_holder[0].results) < requests // 2:
            await asyncio.sleep(0.05)
        worker_box[0].send_signal(signal.SIGKILL)
        worker_box[0].wait()
        outcome.worker_kills += 1
        outcome.kills.append(f"task worker at request {len(report_holder[0].results)}")
        await asyncio.sleep(2)
        worker_box[0] = subprocess.Popen(
            [sys.executable, "-m", "groundswell", "worker"], env=env, cwd=ROOT
        )
        outcome.kills.append("task worker restarted")

    holder: list = [loadgen.Report("spike with faults")]
    original = loadgen.Report

    def make_report(name: str) -> loadgen.Report:
        return holder[0]

    loadgen.Report = make_report  # type: ignore[assignment,misc] - share the live report
    try:
        sabotage = asyncio.create_task(saboteur(holder))
        report = await loadgen.run(
            "spike with faults",
            f"http://127.0.0.1:{args.port}",
            sign,
            count=requests,
            concurrency=concurrency,
            duration=duration,
        )
        await sabotage
    finally:
        loadgen.Report = original  # type: ignore[misc]
    return report


def _in_own_thread(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: the caller's thread may already run a loop (in the
    test suite, Playwright's sync API keeps one running for the whole session)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _db(env: dict[str, str]) -> sqlite3.Connection:
    # Plain sqlite3, not the ORM: this also runs inside pytest, whose Django is configured
    # for the test database, not the benchmark's.
    return sqlite3.connect(Path(env["GROUNDSWELL_DATA_DIR"]) / "groundswell.sqlite3")


def _verify(env, fixture, outcome: Outcome, sink: Sink) -> None:
    from groundswell.lib.emails import normalise_email

    assert outcome.load is not None
    accepted = {normalise_email(r.tag) for r in outcome.load.results if r.status == 302}
    with contextlib.closing(_db(env)) as db:
        rows = db.execute(
            "SELECT g.id, s.email_key, g.confirmations_delivered FROM actions_signature g "
            "JOIN supporters_supporter s ON s.id = g.supporter_id WHERE g.petition_id = ?",
            [fixture["petition"]],
        ).fetchall()
    keys = Counter(key for _id, key, _sent in rows)
    outcome.accepted = len(accepted)
    outcome.stored = len(rows)
    outcome.lost = len(accepted - set(keys))
    outcome.duplicates = sum(1 for n in keys.values() if n > 1)
    outcome.emails_distinct = len(sink.ids)
    outcome.emails_raw = sum(sink.ids.values())
    outcome.most_copies = max(sink.ids.values(), default=0)
    latest: dict[str, int] = {}  # Message-ID <confirm.SIGNATURE.SEND@host>
    for message_id in sink.ids:
        kind, signature_id, number = message_id.split("@")[0].split(".")
        if kind.lstrip("<") != "confirm":  # a repeat's "already signed" email is not one
            continue
        latest[signature_id] = max(latest.get(signature_id, 0), int(number))
    outcome.unconfirmed_people = sum(
        1 for pk, _key, sent in rows if sent == 0 or latest.get(str(pk)) != sent
    )
    outcome.connection_errors = sum(outcome.load.errors.values())
    posted: dict[str, float] = {}
    for result in outcome.load.results:
        if result.status == 302:
            key = normalise_email(result.tag)
            posted[key] = min(posted.get(key, result.started), result.started)
    arrived = {normalise_email(address): t for address, t in sink.first_confirmation.items()}
    outcome.email_delays = [arrived[key] - t for key, t in posted.items() if key in arrived]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--duration", type=float, default=1200.0)
    parser.add_argument("--drain-timeout", type=float, default=3600.0)
    args = parser.parse_args()
    outcome = run(args.requests, args.concurrency, args.duration, drain_timeout=args.drain_timeout)
    print()
    print("Groundswell R1: spike with a web worker and the task worker killed")
    print("command: python bench/faults.py " + " ".join(sys.argv[1:]))
    for line in outcome.lines():
        print("  " + line)
    sys.exit(0 if outcome.ok else 1)


if __name__ == "__main__":
    main()
