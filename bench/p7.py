"""P7: does the confirmation email arrive during the spike? An open-loop load at a fixed rate.

    .venv/bin/python bench/p7.py --rate 1000 --duration 300     # the target's full length
    .venv/bin/python bench/p7.py --rate 1000 --duration 60      # while developing

It serves the real site (`python -m groundswell serve`) with the real worker, and a real SMTP
server on 127.0.0.1 in a process of its own (bench/smtp_sink.py) that notes when each
message arrived. The load generator is open-loop: the i-th signature is due at start +
i / rate, whatever happened to the ones before, and a due request goes out on an idle
keep-alive connection or a new one. So a slow server cannot slow the load down, and each
request's latency counts from when it was due (a generator that falls behind says so).

It reports the sign form's p50/p99, the delay of each confirmation (arrival at the SMTP
server minus the time its signature was POSTed, matched by the address), the CPU seconds
per email of the worker (its queue processes included) and of the SMTP server, and checks
that every signature answered 302 was stored and got exactly one first confirmation.
Only 127.0.0.1 is targeted; the run is bounded by --duration and --drain.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import loadgen
import spike
from drain import drain


@dataclass
class Sent:
    due: float  # monotonic: when this signature was scheduled
    sent: float  # when its request went out
    done: float = 0.0
    status: int = 0
    email: str = ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and of its waited-for children so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[n]) for n in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU of a process and every live descendant."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            total += cpu_seconds(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending += [int(child) for child in children]
    return total


async def open_loop(
    port: int,
    path: str,
    rate: float,
    duration: float,
    signers: spike.Signers,
    connections: int = 1024,
) -> tuple[list[Sent], float, Counter[str]]:
    """Send rate × duration signatures, each at its due time; return them and the largest
    lag of a send behind its due time.

    At most `connections` are open: beyond that a due request waits for one in the
    generator (its latency still counts from its due time), rather than the generator
    taking the machine's CPU with tens of thousands of connections.
    """
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    open_slots = asyncio.Semaphore(connections)
    results: list[Sent] = []
    errors: Counter[str] = Counter()
    running: set[asyncio.Task[None]] = set()
    tokens: list[str] = []
    worst_lag = 0.0

    async def one(index: int, due: float) -> None:
        email, first, ref = signers.next(index, "p")
        if not ref and tokens and index % 5 < 3:
            ref = tokens[-1 - index % min(len(tokens), 500)]
        body = urlencode({"given_name": first, "email": email, "consent": "on", "ref": ref})
        payload = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: keep-alive\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
        record = Sent(due=due, sent=time.monotonic(), email=email)
        results.append(record)
        async with open_slots:
            await send(record, payload)

    async def send(record: Sent, payload: bytes) -> None:
        try:
            reader, writer = (
                idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
            )
            record.sent = time.monotonic()
            writer.write(payload)
            await writer.drain()
            status, headers = await loadgen._read_response(reader)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as error:
            errors[type(error).__name__] += 1
            record.done = time.monotonic()
            return
        record.done, record.status = time.monotonic(), status
        location = headers.get("location", "")
        if status == 302 and "/thanks/" in location:
            tokens.append(location.rstrip("/").rsplit("/", 1)[-1])
        if headers.get("connection", "").lower() != "close":
            idle.append((reader, writer))

    total = int(rate * duration)
    start = time.monotonic() + 0.2
    index = 0
    last_report = start
    while index < total:
        now = time.monotonic()
        # Everything due by now goes out now: the schedule is the clock's, not ours.
        while index < total and start + index / rate <= now:
            due = start + index / rate
            worst_lag = max(worst_lag, now - due)
            task = asyncio.create_task(one(index, due))
            running.add(task)
            task.add_done_callback(running.discard)
            index += 1
        if now - last_report >= 5:
            last_report = now
            sys.stderr.write(f"\r  load: {index}/{total} sent, {len(running)} in flight … ")
            sys.stderr.flush()
        if index < total:
            await asyncio.sleep(max(0.0, start + index / rate - time.monotonic()))
    if running:
        await asyncio.wait(running, timeout=30)
    for _reader, writer in idle:
        writer.close()
    sys.stderr.write("\r" + " " * 70 + "\r")
    return results, worst_lag, errors


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="signatures a second")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds to wait after")
    parser.add_argument("--workers", type=int, default=0, help="granian workers (0: default)")
    parser.add_argument("--connections", type=int, default=1024, help="at most this many open")
    args = parser.parse_args()
    command = "python bench/p7.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    port = spike.free_port()
    env, fixture = spike.prepare(argparse.Namespace(db="sqlite", port=port))
    data = Path(env["GROUNDSWELL_DATA_DIR"])
    smtp_port = spike.free_port()
    arrivals = data / "arrivals.txt"
    env.update({
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    })  # fmt: skip
    log = open(data / "processes.log", "w")  # noqa: SIM115
    python = sys.executable
    sink = subprocess.Popen(
        [python, str(ROOT / "bench/smtp_sink.py"), "--port", str(smtp_port), "--out", str(arrivals)]
    )
    serve = [python, "-m", "groundswell", "serve", "--port", str(port)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server = subprocess.Popen(serve, env=env, cwd=ROOT, stdout=log, stderr=log)
    worker = subprocess.Popen(
        [python, "-m", "groundswell", "worker"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    path = f"/o/{fixture['org']}/petitions/{fixture['petition']}/sign/"
    try:
        spike.wait_for(port)
        spike.wait_for(smtp_port)
        # Warm the server's processes (imports, connections) before the clock starts.
        asyncio.run(open_loop(port, path, 50, 2, spike.Signers(seed=99)))
        time.sleep(3)
        cpu_before = {"worker": tree_cpu(worker.pid), "sink": tree_cpu(sink.pid)}
        lines_before = len(arrivals.read_text().splitlines())
        began = time.monotonic()
        results, worst_lag, errors = asyncio.run(
            open_loop(port, path, args.rate, args.duration, spike.Signers(seed=7), args.connections)
        )
        load_seconds = time.monotonic() - began
        drained = drain(data / "groundswell.sqlite3", timeout=args.drain)
        cpu = {"worker": tree_cpu(worker.pid), "sink": tree_cpu(sink.pid)}
    finally:
        for process in (server, worker, sink):
            process.terminate()
        for process in (server, worker, sink):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    report(args, command, data, fixture, results, worst_lag, errors, load_seconds, drained,
           {k: cpu[k] - cpu_before[k] for k in cpu}, lines_before)  # fmt: skip


def report(
    args,
    command,
    data,
    fixture,
    results,
    worst_lag,
    errors,
    load_seconds,
    drained,
    cpu,
    lines_before,
) -> None:
    sys.path.insert(0, str(ROOT))
    from groundswell.lib.emails import normalise_email

    answered = [r for r in results if r.status]
    latencies = [1000 * (r.done - r.due) for r in answered]
    statuses = Counter(r.status for r in results)
    posted: dict[str, float] = {}  # address key → first POST that was accepted
    for r in results:
        if r.status == 302:
            key = normalise_email(r.email)
            posted[key] = min(posted.get(key, r.sent), r.sent)
    first_mail: dict[str, float] = {}
    copies: Counter[str] = Counter()
    for line in data.joinpath("arrivals.txt").read_text().splitlines()[lines_before:]:
        arrived, message_id, recipient = line.split(" ", 2)
        copies[message_id] += 1
        # Only a signature's first confirmation counts: a repeat asks for another later.
        if message_id.startswith("<confirm.") and message_id.split("@")[0].endswith(".1"):
            key = normalise_email(recipient)
            first_mail[key] = min(first_mail.get(key, float(arrived)), float(arrived))
    delays = [first_mail[key] - sent for key, sent in posted.items() if key in first_mail]
    missing = [key for key in posted if key not in first_mail]
    emails = sum(copies.values())
    with contextlib.closing(sqlite3.connect(data / "groundswell.sqlite3")) as db:
        stored = {
            row[0]
            for row in db.execute(
                "SELECT s.email_key FROM actions_signature g JOIN supporters_supporter s "
                "ON s.id = g.supporter_id WHERE g.petition_id = ?",
                [fixture["petition"]],
            )
        }
        waiting = {
            row[0]
            for row in db.execute(
                "SELECT email_key FROM actions_signatureintake WHERE petition_id = ?",
                [fixture["petition"]],
            )
        }
    # Still in the intake when the drain window closed is late, not lost.
    lost = [key for key in posted if key not in stored and key not in waiting]
    late = [key for key in posted if key not in stored and key in waiting]
    print()
    print("Groundswell P7: the email arrives during the spike (open-loop load)")
    print(f"command: {command}")
    print(
        f"load: {len(results)} signatures due at {args.rate:.0f}/s over {args.duration:.0f} s, "
        f"sent in {load_seconds:.1f} s; the generator fell behind its schedule by at most "
        f"{1000 * worst_lag:.1f} ms; statuses {dict(statuses)}"
        + (f"; errors {dict(errors)}" if errors else "")
    )
    print(
        f"sign form (from each request's due time): p50 {percentile(latencies, 50):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies, default=0):.1f} ms"
    )
    within = sum(1 for d in delays if d <= 60)
    print(
        f"confirmation delay (SMTP arrival − POST), {len(delays)} people: "
        f"p50 {percentile(delays, 50):.1f} s, p90 {percentile(delays, 90):.1f} s, "
        f"p99 {percentile(delays, 99):.1f} s, max {max(delays, default=0):.1f} s; "
        f"within 60 s: {within / max(1, len(delays)):.1%}"
    )
    drain = f"{drained:.1f} s" if drained is not None else f"NOT within {args.drain:.0f} s"
    print(f"backlog (intake and emails) cleared {drain} after the load")
    print(
        f"CPU per email: worker {1000 * cpu['worker'] / max(1, emails):.2f} ms "
        f"({cpu['worker']:.1f} s for {emails} emails), SMTP server "
        f"{1000 * cpu['sink'] / max(1, emails):.2f} ms ({cpu['sink']:.1f} s)"
    )
    doubled = sum(n - 1 for n in copies.values())
    ok = not lost and not late and not missing and doubled == 0
    print(
        f"correctness: {len(posted)} people answered 302, {len(lost)} lost, {len(late)} "
        f"still waiting in the intake, "
        f"{len(missing)} without their first confirmation, {doubled} doubled messages: "
        f"{'OK' if ok else 'FAILED'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
