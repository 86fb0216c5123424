"""The viral-spike benchmark (targets P1, P1b and P2 in shared/design/performance.md).

Runs the real server (`python -m groundswell serve`, the production configuration) and the
real worker on a fresh database, and alternates, A B A B, with wrk (bench/wrk.py, Lua
scripts in bench/lua/) as the load generator:
  * ceiling:   POST a bare Django view doing one unique-key INSERT (same server, same DB);
  * sign:      POST the real sign form: unique, varied signers, some repeats on purpose
               (the same person with other case, dots or +tags), referral tokens taken from
               earlier thank-you redirects; the worker records them meanwhile;
  * osdi:      POST the OSDI record-signature helper (JSON), a quarter as many;
  * rsvp, volunteer, vote: P8, the other public forms (bench/spike_p8.py): an event's RSVP,
               a volunteer need's sign-up and an idea's vote, by the same kind of crowd;
  * static:    GET a static file from the same server;
  * page:      GET the campaign page with its live count;
  * event-page, need-page: GET an event's page (places left) and a volunteer need's page
               (what is still missing), P2 for issue 15's pages, against the same static file;
  * static+sign, page+sign (mixed load): 64 clients sign while 64 others read the static
               file, then the campaign page: P2's ratio under the same signing load, with
               the count's age sampled meanwhile.
Before each ceiling and helper round the worker is given time to catch up, so the ceilings
never share the machine with it and the sign form always does; before the plain reading
rounds it has also sent every email owed, so both read the same quiet server, and so it
has before each P8 round, which then runs with the worker recording and emailing, as the
sign form's second round does (compare them in a run without the first, worker-stopped
sign round, whose backlog the second inherits: `--only ceiling,sign+worker,rsvp,...`).
Every form's POST names its client in X-Forwarded-For (127.0.0.1 is a trusted proxy here):
each person has an address of their own, so the per-address limits count as in a spike. Emails go to
a real SMTP server on 127.0.0.1 (bench/smtp_sink.py, a process of its own; --outbox keeps
them in the database instead, as runs before 2026-12-06 did). Afterwards it counts rows:
every share token a 302 handed out must belong to a stored signature, and every 2xx from
the helper must be one stored signature.

    .venv/bin/python bench/spike.py                     # SQLite
    .venv/bin/python bench/spike.py --db postgres       # PostgreSQL on 127.0.0.1:5432
    .venv/bin/python bench/spike.py --only ceiling,sign+worker,rsvp,volunteer,vote  # P8

Only 127.0.0.1 is targeted; every run is bounded by a request count and a duration.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import spike_p8
import wrk

FIRST = [
    "Asha",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Fatima",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kofi",
    "Lena",
    "Mo",
    "Nia",
    "Omar",
    "Pia",
    "Ravi",
    "Sara",
    "Tom",
    "Uma",
    "Vera",
    "Wim",
]
LAST = ["Adams", "Bauer", "Costa", "Diaz", "Evans", "Fox", "Gill", "Hale", "Ito", "Jain"]
DOMAINS = ["example.org", "example.net", "gmail.com", "example.com"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, timeout: float = 120) -> None:
    # Long enough for a server starting on a machine others keep busy.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not start on port {port}")


class Signers:
    """Unique signers with realistic variety, a share of deliberate repeats and referrals."""

    def __init__(self, seed: int, repeat_share: float = 0.05) -> None:
        self.rng = random.Random(seed)
        self.repeat_share = repeat_share
        self.issued: list[tuple[str, str]] = []  # (local part, domain) of earlier signers
        self.tokens: list[str] = []

    def next(self, index: int, prefix: str) -> tuple[str, str, str]:
        rng = self.rng
        if self.issued and rng.random() < self.repeat_share:
            local, domain = rng.choice(self.issued)
            variant = local.upper() if rng.random() < 0.5 else local
            if domain == "gmail.com":
                variant = variant.replace(".", "") + "+again"
            email = f"{variant}@{domain.upper() if rng.random() < 0.3 else domain}"
            return email, local.split(".")[0].title(), ""
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}.{prefix}{index}".lower()
        domain = rng.choice(DOMAINS)
        self.issued.append((local, domain))
        email = f"{local}+petition@{domain}" if rng.random() < 0.1 else f"{local}@{domain}"
        ref = rng.choice(self.tokens[-500:]) if self.tokens and rng.random() < 0.6 else ""
        return email, first, ref


def prepare(args: argparse.Namespace) -> tuple[dict[str, str], dict]:
    data_dir = Path(tempfile.mkdtemp(prefix="groundswell-bench-"))
    env = {
        **os.environ,
        "GROUNDSWELL_DATA_DIR": str(data_dir),
        "BENCH_CEILING": "true",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "groundswell.notifications.backends.OutboxBackend",
        # The load comes from one address; real spikes come from many.
        "SIGN_RATE_LIMIT_PER_MINUTE": "100000000",
        # ... so each request names its own client through a trusted proxy (common.lua).
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute("DROP DATABASE IF EXISTS groundswell_bench WITH (FORCE)")
            conn.execute("CREATE DATABASE groundswell_bench")
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/groundswell_bench"
    else:
        env.pop("DATABASE_URL", None)
    if getattr(args, "smtp_port", 0):
        env.update({
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(args.smtp_port),
        })  # fmt: skip
    python = sys.executable
    subprocess.run([python, "-m", "groundswell", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    out = subprocess.run(
        [python, "bench/fixture.py"], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout
    return env, json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=40_000, help="per sign/ceiling round")
    parser.add_argument("--page-requests", type=int, default=400_000, help="per page round")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds, per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=0, help="granian workers (0: default)")
    parser.add_argument("--threads", type=int, default=0, help="threads a worker (0: default)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--worker-off-for-reads",
        action="store_true",
        help="stop the worker (its idle polling too) during the plain static and page rounds",
    )
    parser.add_argument(
        "--outbox", action="store_true", help="keep emails in the database, no SMTP server"
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated rounds to run, of {','.join(ROUNDS)}"
    )
    args = parser.parse_args()
    unknown = set(filter(None, args.only.split(","))) - set(ROUNDS)
    if unknown:
        parser.error(f"--only: no round named {', '.join(sorted(unknown))}")
    args.port = args.port or free_port()
    args.smtp_port = 0 if args.outbox else free_port()
    command = "python bench/spike.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])

    sink = None
    if args.smtp_port:
        sink = subprocess.Popen([
            sys.executable, str(ROOT / "bench/smtp_sink.py"), "--port", str(args.smtp_port),
            "--out", os.devnull,
        ])  # fmt: skip
        wait_for(args.smtp_port)
    env, fixture = prepare(args)
    serve = [sys.executable, "-m", "groundswell", "serve", "--port", str(args.port)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    if args.threads:
        serve += ["--threads", str(args.threads)]
    log = open(Path(env["GROUNDSWELL_DATA_DIR"]) / "processes.log", "w")  # noqa: SIM115
    # A session of its own: granian's workers are its children, stopped with it.
    server = subprocess.Popen(
        serve, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
    )
    worker = Worker(env, log)
    try:
        wait_for(args.port)
        database = Database(args, env)
        reports = run_rounds(args, f"http://127.0.0.1:{args.port}", fixture, database, worker)
        stop_server(server)
        worker.start()
        caught_up = database.wait_for_worker(timeout=600)
    finally:
        worker.stop()
        if server.poll() is None:
            stop_server(server)
        if sink is not None:
            sink.terminate()
            sink.wait(timeout=20)
    verify_and_print(args, fixture, reports, command, database, caught_up)


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server this run started; kill its process group if it does not stop."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)  # its own session (start_new_session): only its processes
        server.wait(timeout=20)


class Worker:
    """The real task worker, which the sign rounds run with and without."""

    def __init__(self, env: dict[str, str], log: Any) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.process is None:
            command = [sys.executable, "-m", "groundswell", "worker"]
            self.process = subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=self.log, stderr=self.log
            )

    def stop(self) -> None:
        if self.process is not None:
            # Its queue processes finish the task in hand first (a turn of a backlog on a
            # busy machine can take a while); the supervisor kills them after 30 s.
            self.process.terminate()
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


class Database:
    """Django set up against the benchmark's database, for waiting on and counting rows."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        for name in ("GROUNDSWELL_DATA_DIR", "SITE_URL", "DATABASE_URL"):
            os.environ.pop(name, None)
            if name in env:
                os.environ[name] = env[name]
        os.environ["DJANGO_SETTINGS_MODULE"] = "groundswell.settings"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def waiting(self) -> int:
        from django.db import connection

        from groundswell.actions.models import SignatureIntake

        count = SignatureIntake.objects.count() + spike_p8.waiting()
        connection.close()
        return count

    def emails_owed(self) -> int:
        from django.db import connection
        from django.db.models import F

        from groundswell.actions.models import Signature

        count = Signature.objects.filter(
            confirmations_delivered__lt=F("confirmation_sends")
        ).count()
        count += spike_p8.emails_queued()
        connection.close()
        return count

    def wait_for_worker(self, timeout: float, *, emails: bool = False) -> float | None:
        """Seconds until the worker had recorded every intake row, and with `emails` sent
        every confirmation owed (None: not in time)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.waiting() == 0 and (not emails or self.emails_owed() == 0):
                return time.monotonic() - started
            time.sleep(0.25)
        return None


MIXED = ("static+sign", "page+sign")
# Pages read as the campaign page is (P2): served from the page copy, live figures on them.
READS = ("static", "page", *spike_p8.PAGES)
ROUNDS = ("ceiling", "sign", "sign+worker", "osdi", *spike_p8.ROUNDS, *READS, *MIXED)


def run_rounds(
    args: argparse.Namespace, base: str, fixture: dict, database: Database, worker: Worker
) -> dict[str, list[wrk.WrkReport]]:
    org, petition = fixture["org"], fixture["petition"]
    p8 = spike_p8.targets(base, fixture)
    sign_url = f"{base}/o/{org}/petitions/{petition}/sign/"
    urls = {
        "ceiling": base + "/bench/insert/",
        "sign": sign_url,
        "sign+worker": sign_url,
        "osdi": f"{base}/api/osdi/v1/petitions/{petition}/record_signature_helper",
        **{name: url for name, (url, _script, _extra) in p8.items()},
        "static": base + "/static/groundswell/site.css",
        "page": f"{base}/o/{org}/campaigns/{fixture['campaign']}/",
        **spike_p8.pages(base, fixture),
        "static+sign": base + "/static/groundswell/site.css",
        "page+sign": f"{base}/o/{org}/campaigns/{fixture['campaign']}/",
    }
    if args.only:
        wanted = set(args.only.split(","))
        urls = {name: url for name, url in urls.items() if name in wanted}
    scripts = {
        "ceiling": "insert",
        "sign": "sign",
        "sign+worker": "sign",
        "osdi": "osdi",
        **{name: script for name, (_url, script, _extra) in p8.items()},
        "static": "get",
        "page": "get",
        **dict.fromkeys(spike_p8.PAGES, "get"),
        "static+sign": "get",
        "page+sign": "get",
    }
    counts = {
        "ceiling": args.requests,
        "sign": args.requests,
        "sign+worker": args.requests,
        "osdi": args.requests,
        **dict.fromkeys(spike_p8.ROUNDS, args.requests),
        "static": args.page_requests,
        "page": args.page_requests,
        **dict.fromkeys(spike_p8.PAGES, args.page_requests),
        "static+sign": args.page_requests,
        "page+sign": args.page_requests,
    }
    reports: dict[str, list[wrk.WrkReport]] = {name: [] for name in urls}
    reports["staleness"] = []
    reports["signing meanwhile"] = []
    # Warm up every path (imports, connections, caches) before measuring.
    worker.stop()
    extras = {name: extra for name, (_url, _script, extra) in p8.items()}
    warm = ("page", "static", "ceiling", "sign", *(n for n in spike_p8.ROUNDS if n in urls))
    warm += tuple(n for n in spike_p8.PAGES if n in urls)
    for name in warm:
        wrk.run("warm-up", urls.get(name, sign_url), scripts[name], count=500, duration=2,
                prefix="warm", extra=extras.get(name, ()))  # fmt: skip
    for number in range(1, args.rounds + 1):
        for name in urls:
            # The ceiling and the first sign round run with the worker stopped (it records
            # what they took in afterwards); the second sign round runs with it recording.
            worker.start()
            if name in ("ceiling", "osdi"):
                database.wait_for_worker(timeout=300)
            if name in (*READS, *spike_p8.ROUNDS):
                database.wait_for_worker(timeout=300, emails=True)
            if name in ("ceiling", "sign") or (name in READS and args.worker_off_for_reads):
                worker.stop()
            live = name in ("sign+worker", "page+sign")
            sampler = Staleness(urls[name], database, petition) if live else None
            signing = None
            if name in MIXED:
                # The readers' round with 64 more clients signing meanwhile, in the same
                # seconds: started first, so the readers never see it idle.
                signing = Background(
                    f"signing during {name} #{number}", sign_url, args, f"r{number}m{name[0]}"
                )
            reports[name].append(
                wrk.run(
                    f"{name} #{number}",
                    urls[name],
                    scripts[name],
                    count=counts[name],
                    duration=args.duration,
                    connections=args.concurrency,
                    prefix=f"r{number}{name.replace('+', 'w')}",
                    extra=extras.get(name, ()),
                )
            )
            print("  " + reports[name][-1].line(), flush=True)
            if signing:
                reports["signing meanwhile"].append(signing.finish())
                print("    " + reports["signing meanwhile"][-1].line(), flush=True)
            if sampler:
                reports["staleness"].append(sampler.stop())
    return reports


class Background(threading.Thread):
    """A wrk signing run beside another round (its duration a second longer, so it covers
    the whole of the readers' round)."""

    def __init__(self, name: str, url: str, args: argparse.Namespace, prefix: str) -> None:
        super().__init__(daemon=True)
        self.report: wrk.WrkReport | None = None
        self.arguments = (name, url, "sign")
        self.options = {
            "count": args.requests,
            "duration": args.duration + 1,
            "connections": args.concurrency,
            "prefix": prefix,
        }
        self.start()
        time.sleep(0.5)

    def run(self) -> None:
        self.report = wrk.run(*self.arguments, **self.options)

    def finish(self) -> wrk.WrkReport:
        self.join()
        assert self.report is not None
        return self.report


class Staleness(threading.Thread):
    """How old the count on the campaign page is while people sign (target: at most 5 s).

    Every half second it reads the page's count (confirmed + pending) and the truth in the
    database (signatures + signatures taken in). A count of N shown at time t is as old as
    the time since the truth last was N or less.
    """

    COUNT = re.compile(r"([\d,]+)</strong> confirmed signatures(?: · ([\d,]+) waiting)?")

    def __init__(self, page_url: str, database: Database, petition: int) -> None:
        super().__init__(daemon=True)
        self.page_url, self.database, self.petition = page_url, database, petition
        self.truth: list[tuple[float, int]] = []
        self.shown: list[tuple[float, int]] = []
        self.halt = threading.Event()
        self.start()

    def run(self) -> None:
        from django.db import connection

        from groundswell.actions.models import Signature, SignatureIntake

        while not self.halt.wait(0.5):
            now = time.monotonic()
            total = (
                Signature.objects.filter(petition_id=self.petition).count()
                + SignatureIntake.objects.filter(petition_id=self.petition).count()
            )
            self.truth.append((now, total))
            html = urllib.request.urlopen(self.page_url, timeout=5).read().decode()
            found = self.COUNT.search(html)
            if found:
                numbers = [int((g or "0").replace(",", "")) for g in found.groups()]
                self.shown.append((time.monotonic(), sum(numbers)))
        connection.close()

    def stop(self) -> wrk.WrkReport:
        time.sleep(6)  # and a few seconds after the load, while the worker catches up
        self.halt.set()
        self.join()
        ages = []
        for shown_at, count in self.shown:
            if count >= self.truth[-1][1] or shown_at < self.truth[0][0] + 5:
                continue  # caught up, or too early to know how old it is
            last_true = max((t for t, total in self.truth if total <= count), default=None)
            if last_true is not None:
                ages.append(shown_at - last_true)
        report = wrk.WrkReport("count staleness", requests=len(self.shown))
        report.p99 = max(ages, default=0.0) * 1000  # the oldest count seen, in ms
        return report


def urls_in(reports: dict[str, list[wrk.WrkReport]]) -> list[str]:
    return [name for name in reports if name not in ("staleness", "signing meanwhile")]


def verify_and_print(args, fixture, reports, command, database, caught_up) -> None:
    from groundswell.actions.models import Signature
    from groundswell.referrals.models import ShareToken

    petition = fixture["petition"]
    form = reports.get("sign", []) + reports.get("sign+worker", []) + reports["signing meanwhile"]
    handed_out = {token for report in form for token in report.tokens}
    signed = Signature.objects.filter(petition_id=petition)
    stored_tokens = set(
        ShareToken.objects.filter(
            petition_id=petition, supporter__in=signed.values("supporter")
        ).values_list("token", flat=True)
    )
    lost = handed_out - stored_tokens
    accepted_302 = sum(r.count(302, 303) for r in form)
    helper_2xx = sum(r.count(200, 300) for r in reports.get("osdi", []))
    helper_stored = signed.filter(supporter__email_key__startswith="api.").count()
    form_stored = signed.exclude(supporter__email_key__startswith="api.").count()

    print()
    print(f"Groundswell spike benchmark — {args.db}, {args.concurrency} clients, wrk")
    print(f"command: {command}")
    for name in urls_in(reports):
        for report in reports[name]:
            print("  " + report.line())

    def ratios(top: str, bottom: str) -> str:
        """Round by round, as the rounds alternate: each ratio is within one round."""
        pairs = zip(reports.get(top, []), reports.get(bottom, []), strict=False)
        return " / ".join(f"{a.throughput / b.throughput:.2f}" for a, b in pairs if b.throughput)

    def rates(name: str) -> str:
        found = reports.get(name, [])
        if not found:
            return "not run"
        worst = max(r.p99 for r in found)
        return " / ".join(f"{r.throughput:.0f}" for r in found) + f" per s, p99 ≤ {worst:.1f} ms"

    print()
    print(f"P1 ceiling (bare INSERT view): {rates('ceiling')}")
    print(f"P1 sign, worker stopped: {rates('sign')}; ÷ ceiling {ratios('sign', 'ceiling')}")
    print(
        f"P1 sign, worker recording and emailing: {rates('sign+worker')}; "
        f"÷ ceiling {ratios('sign+worker', 'ceiling')}"
    )
    print(
        f"P8 OSDI helper: {rates('osdi')}; ÷ sign form (worker recording) "
        f"{ratios('osdi', 'sign+worker')}; ÷ ceiling {ratios('osdi', 'ceiling')}"
    )
    for name in spike_p8.ROUNDS:
        if name in reports:
            print(
                f"P8 {name}: {rates(name)}; ÷ sign form (worker recording) "
                f"{ratios(name, 'sign+worker') or '-'}; ÷ sign form (worker stopped) "
                f"{ratios(name, 'sign') or '-'}; ÷ ceiling {ratios(name, 'ceiling') or '-'}"
            )
    print(f"P2 static: {rates('static')}; page: {rates('page')}; ÷ {ratios('page', 'static')}")
    for name in spike_p8.PAGES:
        if name in reports:
            print(f"P2 {name}: {rates(name)}; ÷ static {ratios(name, 'static') or '-'}")
    print(
        f"P2 under signing: static {rates('static+sign')}; page {rates('page+sign')}; "
        f"÷ {ratios('page+sign', 'static+sign')}; signing meanwhile {rates('signing meanwhile')}"
    )
    oldest = max((r.p99 for r in reports["staleness"]), default=0.0) / 1000
    samples = sum(r.requests for r in reports["staleness"])
    print(f"P2 count on the page while signing: at most {oldest:.1f} s old ({samples} samples)")
    drained = f"{caught_up:.1f} s" if caught_up is not None else "NOT within 600 s"
    print(f"worker: every intake row recorded {drained} after the last round")
    # A request in flight when wrk stopped can still be stored: one a connection a round.
    in_flight = args.rounds * args.concurrency
    ok = not lost and helper_2xx <= helper_stored <= helper_2xx + in_flight
    ok = ok and caught_up is not None
    p8_lines, _p8_ok = spike_p8.verify(fixture, reports)  # each line says OK or MISMATCH
    print(
        f"correctness: sign form {accepted_302} × 302 handing out {len(handed_out)} share "
        f"tokens, {form_stored} signatures stored, tokens without a stored signature: "
        f"{len(lost)}; helper {helper_2xx} × 2xx, {helper_stored} stored: "
        f"{'OK' if ok else 'MISMATCH'}"
    )
    for line in p8_lines:
        print(f"correctness, {line}")


if __name__ == "__main__":
    main()
