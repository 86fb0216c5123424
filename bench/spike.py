"""The viral-spike benchmark (targets P1, P1b and P2 in shared/design/performance.md).

Runs the real server (`python -m groundswell serve`, the production configuration) on a
fresh database and alternates, A B A B:
  * sign:      POST the real sign form: unique, varied signers, some repeats on purpose
               (the same person with other case, dots or +tags), referral tokens taken from
               earlier thank-you redirects;
  * osdi:      POST the OSDI record-signature helper (JSON), a quarter as many;
  * ceiling:   POST a bare Django view doing one unique-key INSERT (same server, same DB);
  * page:      GET the campaign page with its live count;
  * static:    GET a static file from the same server.
Afterwards it counts rows: every 302 from the sign form and every 2xx from the helper must be
a stored signature, and no person may be stored twice.

    .venv/bin/python bench/spike.py                     # SQLite
    .venv/bin/python bench/spike.py --db postgres       # PostgreSQL on 127.0.0.1:5432

Only 127.0.0.1 is targeted; every run is bounded by a request count and a duration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import loadgen

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


def wait_for(port: int, timeout: float = 30) -> None:
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
    python = sys.executable
    subprocess.run([python, "-m", "groundswell", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    out = subprocess.run(
        [python, "bench/fixture.py"], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout
    return env, json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=20_000, help="per sign/ceiling round")
    parser.add_argument("--page-requests", type=int, default=40_000, help="per page round")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds, per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=0, help="granian workers (0: default)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    args.port = args.port or free_port()
    command = "python bench/spike.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])

    env, fixture = prepare(args)
    serve = [sys.executable, "-m", "groundswell", "serve", "--port", str(args.port)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server = subprocess.Popen(serve, env=env, cwd=ROOT)
    try:
        wait_for(args.port)
        base = f"http://127.0.0.1:{args.port}"
        reports = asyncio.run(run_rounds(args, base, fixture))
    finally:
        server.terminate()
        server.wait(timeout=20)
    verify_and_print(args, env, fixture, reports, command)


async def run_rounds(args: argparse.Namespace, base: str, fixture: dict) -> dict[str, list]:
    org, petition = fixture["org"], fixture["petition"]
    sign_path = f"/o/{org}/petitions/{petition}/sign/"
    page_path = f"/o/{org}/campaigns/{fixture['campaign']}/"
    signers = Signers(seed=1)
    helper_path = f"/api/osdi/v1/petitions/{petition}/record_signature_helper"
    reports: dict[str, list] = {"sign": [], "osdi": [], "ceiling": [], "page": [], "static": []}
    # Warm up both paths (imports, connections, caches) before measuring.
    await loadgen.run(
        "warm-up",
        base,
        lambda i: loadgen.Request("GET", page_path),
        count=200,
        concurrency=8,
        duration=10,
        progress=False,
    )

    for round_number in range(args.rounds):
        prefix = f"r{round_number}-"

        def ceiling(i: int, prefix: str = prefix) -> loadgen.Request:
            return loadgen.Request(
                "POST", "/bench/insert/", urlencode({"key": f"{prefix}{i}"}).encode()
            )

        def sign(i: int, prefix: str = prefix) -> loadgen.Request:
            email, first, ref = signers.next(i, prefix)
            form = {
                "given_name": first,
                "family_name": "Bench",
                "email": email,
                "consent": "on",
                "ref": ref,
                "ch": "whatsapp" if ref else "",
            }
            return loadgen.Request("POST", sign_path, urlencode(form).encode(), tag=email)

        def helper(i: int, prefix: str = prefix) -> loadgen.Request:
            # The OSDI record-signature helper, as an organisation's own site would call it.
            email, first, ref = signers.next(i, prefix + "api-")
            person = {
                "person": {
                    "given_name": first,
                    "family_name": "Bench",
                    "email_addresses": [{"address": email, "primary": True}],
                },
                "referrer_data": {"source": "api", "referrer": ref},
            }
            body = json.dumps(person).encode()
            return loadgen.Request("POST", helper_path, body, "application/json", tag=email)

        reports["ceiling"].append(
            await loadgen.run(
                f"ceiling #{round_number + 1}",
                base,
                ceiling,
                count=args.requests,
                concurrency=args.concurrency,
                duration=args.duration,
            )
        )
        report = await loadgen.run(
            f"sign #{round_number + 1}",
            base,
            sign,
            count=args.requests,
            concurrency=args.concurrency,
            duration=args.duration,
        )
        for result in report.results:
            if result.status == 302 and "/thanks/" in result.location:
                signers.tokens.append(result.location.rstrip("/").rsplit("/", 1)[-1])
        reports["sign"].append(report)
        reports["osdi"].append(
            await loadgen.run(
                f"osdi helper #{round_number + 1}",
                base,
                helper,
                count=args.requests // 4,
                concurrency=args.concurrency,
                duration=args.duration,
            )
        )
        reports["static"].append(
            await loadgen.run(
                f"static #{round_number + 1}",
                base,
                lambda i: loadgen.Request("GET", "/static/groundswell/site.css"),
                count=args.page_requests,
                concurrency=args.concurrency,
                duration=args.duration,
            )
        )
        reports["page"].append(
            await loadgen.run(
                f"page #{round_number + 1}",
                base,
                lambda i: loadgen.Request("GET", page_path),
                count=args.page_requests,
                concurrency=args.concurrency,
                duration=args.duration,
            )
        )
    return reports


def verify_and_print(args, env, fixture, reports, command) -> None:  # noqa: ANN001
    os.environ.update(
        {k: v for k, v in env.items() if k in ("GROUNDSWELL_DATA_DIR", "DATABASE_URL", "SITE_URL")}
    )
    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "groundswell.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from groundswell.actions import intake
    from groundswell.actions.models import Signature, SignatureIntake
    from groundswell.lib.emails import normalise_email

    waiting = SignatureIntake.objects.count()
    started = time.perf_counter()
    while intake.process():  # what the worker would do after the spike
        pass
    drained = time.perf_counter() - started

    accepted = {
        normalise_email(r.tag) for rep in reports["sign"] for r in rep.results if r.status == 302
    } | {
        normalise_email(r.tag)
        for rep in reports["osdi"]
        for r in rep.results
        if 200 <= r.status < 300
    }
    stored = set(
        Signature.objects.filter(petition_id=fixture["petition"]).values_list(
            "supporter__email_key", flat=True
        )
    )
    lost = accepted - stored
    total = Signature.objects.filter(petition_id=fixture["petition"]).count()

    print()
    print(f"Groundswell spike benchmark — {args.db}, {args.concurrency} clients")
    print(f"command: {command}")
    for name in ("ceiling", "sign", "osdi", "static", "page"):
        for report in reports[name]:
            print("  " + report.line())

    def best(name: str) -> loadgen.Report:
        return max(reports[name], key=lambda r: r.throughput)

    sign, ceiling = best("sign"), best("ceiling")
    page, static = best("page"), best("static")
    print()
    print(
        f"P1 sign: {sign.throughput:.0f}/s, p99 {sign.percentile(99):.1f} ms; ceiling "
        f"{ceiling.throughput:.0f}/s; ratio {sign.throughput / ceiling.throughput:.2f}"
    )
    if reports["osdi"]:
        helper = best("osdi")
        print(
            f"OSDI helper: {helper.throughput:.0f}/s, p99 {helper.percentile(99):.1f} ms "
            f"(records the signature in the request; ratio to ceiling "
            f"{helper.throughput / ceiling.throughput:.2f})"
        )
    print(
        f"P2 page: {page.throughput:.0f}/s, p99 {page.percentile(99):.1f} ms; static "
        f"{static.throughput:.0f}/s; ratio {page.throughput / static.throughput:.2f}"
    )
    print(
        f"worker: recorded {waiting} waiting intake rows in {drained:.1f} s "
        f"({waiting / drained if drained else 0:.0f}/s, one process)"
    )
    print(
        f"correctness: {len(accepted)} people accepted (302), {total} signatures stored, "
        f"{len(lost)} lost, duplicates impossible (unique petition+supporter): "
        f"{'OK' if not lost and total == len(accepted) else 'MISMATCH'}"
    )


if __name__ == "__main__":
    main()
