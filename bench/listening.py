"""P3: feed ingestion per core against the bare parser, and 10,000 monitors polled on time.

    .venv/bin/python bench/listening.py                        # both parts
    .venv/bin/python bench/listening.py --part throughput --polls 2000
    .venv/bin/python bench/listening.py --part schedule --monitors 10000 --window 300

A feed server runs in its own process on loopback addresses 127.0.1.1 to 127.0.1.N (one "host"
each, so the one-request-per-host politeness of listening/fetching.py holds as it does for
real sources). Its documents are about 32 KB with 20 items (RSS 2.0 and Atom in turn; HTML
descriptions with links, images and scripts for the sanitiser); an "advancing" feed brings
2 new items at each request, a "stable" one answers 304 to its own ETag. Hostile feeds: a
billion-laughs XML bomb, a 3 MB body, a gzip bomb and a feed that trickles one byte a second.

**throughput** (in this process, a fresh SQLite database): the ceiling is the bare parser
(fastfeedparser, which the pipeline uses) on the same documents, in CPU seconds of this
process, measured before and after the polls (their mean is the ceiling; feedparser's rate
is printed for comparison); then `listening.polling.poll` on advancing monitors, round
robin over the hosts — fetch through lib/http, defusedxml's check, fastfeedparser and the
lxml read beside it, nh3 on the new items, dedupe, keyword rules, store in bulk — also in
CPU seconds of this process (the server's CPU is its own). `--profile FILE` writes a
cProfile of the polls (which slows them: not for the figures). P3: documents a second per
core ≥ 1,000, and ≥ 0.3 of the bare parser. The hostile feeds are polled after, each with
its status and the time it took.

**schedule** (the real worker, `python -m groundswell worker`, its three queue processes):
`--monitors` stable feeds due evenly over one 15-minute interval (a share of them slow or
hostile, `--hostile`), the worker runs for `--window` seconds, and every monitor that came
due in that time is checked: when was it polled after it came due (p50, p99, max), how many
within 60 s, and the CPU of the worker's processes and of the feed server. This is the first
poll of each (all its items new): the heaviest poll a monitor makes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gzip
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from p7 import tree_cpu

# Real feeds' items differ: a vocabulary of a few thousand made-up words (and some real
# ones), so the near-duplicate check meets what it meets in life, not a page of lookalikes.
_SYLLABLES = [a + b for a in "kmnrstvbdh" for b in "aeiou"]
_VOCABULARY = random.Random(1)
WORDS = [
    "".join(_VOCABULARY.choice(_SYLLABLES) for _ in range(_VOCABULARY.randint(2, 4)))
    for _ in range(4000)
] + ["flood", "river", "library", "closure", "food", "bank", "winter", "बाढ़", "पानी"]
ITEMS = 20


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _item(feed: int, number: int, atom: bool) -> str:
    rng = random.Random(feed * 100_003 + number)
    title = _sentence(rng, 8)
    link = f"https://news{feed % 97}.example/{feed}/{number}"
    paragraphs = "".join(
        f"<p>{_sentence(rng, 52)} <a href='{link}#p{k}'>more</a></p>" for k in range(3)
    )
    body = (
        f"{paragraphs}<img src='https://img.example/{number}.jpg' onerror='x()'>"
        f"<script>track({number})</script>"
    )
    escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    when = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(1_790_000_000 + number * 600))
    if atom:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_790_000_000 + number * 600))
        return (
            f"<entry><title>{title}</title><link href='{link}'/><id>tag:{feed}.example,"
            f"2026:{number}</id><updated>{stamp}</updated><author><name>Reporter {number % 7}"
            f"</name></author><content type='html'>{escaped}</content></entry>"
        )
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{when}</pubDate><description>{escaped}</description></item>"
    )


def document(feed: int, first: int) -> bytes:
    """Feed `feed`'s document whose newest item is number `first` + ITEMS - 1."""
    atom = feed % 2 == 1
    items = "".join(_item(feed, n, atom) for n in range(first + ITEMS - 1, first - 1, -1))
    if atom:
        return (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            f"xml:lang='en'><title>Feed {feed}</title><id>urn:feed:{feed}</id>"
            f"<updated>2026-12-01T00:00:00Z</updated>{items}</feed>"
        ).encode()
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Feed {feed}</title><link>https://news{feed % 97}.example/</link>"
        f"<language>en</language><description>d</description>{items}</channel></rss>"
    ).encode()


BOMB = (
    b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaaaaaaaa'>"
    + b"".join(
        f"<!ENTITY {chr(98 + n)} '{('&' + chr(97 + n) + ';') * 10}'>".encode() for n in range(9)
    )
    + b"]><rss version='2.0'><channel><title>&j;</title></channel></rss>"
)


# --- the feed server (its own process) --------------------------------------------------------


def serve(hosts: int, port: int) -> None:
    requests: dict[str, int] = {}
    big = document(0, 0) * 100  # about 3 MB
    gz_bomb = gzip.compress(b"<rss>" + b" " * 200_000_000)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, *fields = head.decode("latin-1").split("\r\n")
                path = line.split(" ")[1]
                headers = {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
                mode, _, number = path.strip("/").partition("/")
                feed = int(number or 0)
                extra = ""
                if mode == "slow":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n")
                    for byte in b"<rss version='2.0'><channel>" * 100:
                        writer.write(bytes([byte]))
                        await writer.drain()
                        await asyncio.sleep(1)
                    return
                if mode == "bomb":
                    body = BOMB
                elif mode == "big":
                    body = big
                elif mode == "gz":
                    body, extra = gz_bomb, "Content-Encoding: gzip\r\n"
                elif mode == "stable":
                    tag = f'"s{feed}"'
                    if headers.get("if-none-match") == tag:
                        writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {tag}\r\n\r\n".encode())
                        await writer.drain()
                        continue
                    body, extra = document(feed, 0), f"ETag: {tag}\r\n"
                else:  # advancing: two new items at each request
                    seen = requests.get(path, 0)
                    requests[path] = seen + 1
                    body = document(feed, 2 * seen)
                writer.write(
                    (
                        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n"
                        f"Content-Length: {len(body)}\r\n{extra}\r\n"
                    ).encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(answer, host=addresses(hosts), port=port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def addresses(hosts: int) -> list[str]:
    return [f"127.0.1.{n}" for n in range(1, hosts + 1)]


def start_server(hosts: int) -> tuple[subprocess.Popen[bytes], int]:
    import spike

    port = spike.free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(hosts), str(port)])
    deadline = time.monotonic() + 20
    import socket

    while time.monotonic() < deadline:
        try:
            with socket.create_connection((f"127.0.1.{hosts}", port), timeout=0.5):
                return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the feed server did not start")


# --- the database and the monitors ----------------------------------------------------------


def environment(data: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "GROUNDSWELL_DATA_DIR": str(data),
        "LOG_LEVEL": "WARNING",
        "HTTP_ALLOW_LOOPBACK": "true",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "groundswell.notifications.backends.OutboxBackend",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "groundswell", "migrate", "-v0"], env=env, check=True, cwd=ROOT
    )
    os.environ.update(env)
    return env


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def organisation_and_rules() -> object:
    from groundswell.accounts.models import Membership, User
    from groundswell.accounts.services import create_organisation
    from groundswell.listening import services

    owner = User.objects.create_user("bench-owner@example.org", None, name="Bench Owner")
    org = create_organisation(name="Bench Org", slug="bench", owner=owner, approved=True)
    membership = Membership.objects.get(user=owner, organisation=org)
    for name, phrases, exclusions in (
        ("Floods", "flood\nriver", "football"),
        ("Library", "library closure", ""),
        ("Food bank", "food bank\nwinter shelter", "recipe"),
    ):
        services.add_rule(
            membership, name=name, phrases=phrases, exclusions=exclusions, language=""
        )
    return org


def make_monitors(org: object, urls: list[str], due: list[object]) -> list[int]:
    from groundswell.listening.models import Monitor, MonitorKind, MonitorState

    rows = [
        Monitor(
            organisation=org,
            kind=MonitorKind.FEED,
            url=url,
            state=MonitorState.ACTIVE,
            interval_seconds=15 * 60,
            next_attempt_at=when,
        )
        for url, when in zip(urls, due, strict=True)
    ]
    Monitor.objects.bulk_create(rows, batch_size=1000)
    return list(Monitor.objects.order_by("pk").values_list("pk", flat=True))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# --- part 1: documents a second per core ------------------------------------------------------


def bare_parsers(docs: list[bytes]) -> tuple[float, float]:
    """Documents a CPU second: fastfeedparser alone (the ceiling), then feedparser alone."""
    import fastfeedparser
    import feedparser

    began = time.process_time()
    for doc in docs:
        assert len(fastfeedparser.parse(doc).entries) == ITEMS
    fast = len(docs) / (time.process_time() - began)
    slow_docs = docs[: max(1, len(docs) // 10)]  # feedparser is tens of times slower
    began = time.process_time()
    for doc in slow_docs:
        assert len(feedparser.parse(doc).entries) == ITEMS
    return fast, len(slow_docs) / (time.process_time() - began)


def throughput(args: argparse.Namespace) -> None:
    docs = [document(feed, 0) for feed in range(args.documents)]
    size = statistics.mean(len(d) for d in docs)
    bare, feedparser_rate = bare_parsers(docs)
    print(f"documents: {len(docs)} of {size / 1024:.1f} KB on average, {ITEMS} items each")
    print(f"ceiling, fastfeedparser alone: {bare:.1f} documents a CPU second")
    print(f"(feedparser alone, the parser before: {feedparser_rate:.1f})")

    data = Path(tempfile.mkdtemp(prefix="groundswell-bench-listening-"))
    environment(data)
    setup_django()
    from django.utils import timezone

    from groundswell.listening import polling
    from groundswell.listening.models import Monitor, Signal

    server, port = start_server(args.hosts)
    try:
        org = organisation_and_rules()
        feeds = args.polls // 2
        hosts = addresses(args.hosts)
        urls = [f"http://{hosts[n % len(hosts)]}:{port}/adv/{n}" for n in range(feeds)]
        ids = make_monitors(org, urls, [timezone.now()] * feeds)
        outcomes: dict[str, int] = {}
        cpu = wall = 0.0
        profile = cProfile.Profile() if args.profile else None
        for turn in range(2):  # a first poll (20 new items), then a second (2 new)
            if turn:
                Monitor.objects.update(next_attempt_at=timezone.now(), polls=1)
            began_cpu, began_wall = time.process_time(), time.monotonic()
            round_began = time.monotonic()
            if profile is not None:
                profile.enable()
            for done, pk in enumerate(ids):
                if done and done % len(hosts) == 0:
                    # Each host once per round: wait out its two-second gap if we were fast.
                    time.sleep(max(0.0, 2.05 - (time.monotonic() - round_began)))
                    round_began = time.monotonic()
                outcome = polling.poll(pk)
                key = f"{outcome.status}{' (' + outcome.error + ')' if outcome.error else ''}"
                outcomes[key] = outcomes.get(key, 0) + 1
            if profile is not None:
                profile.disable()
            took_cpu, took_wall = time.process_time() - began_cpu, time.monotonic() - began_wall
            cpu += took_cpu
            wall += took_wall
            print(
                f"pipeline, poll {turn + 1} of each of {len(ids)} monitors: "
                f"{len(ids) / took_cpu:.1f} documents a CPU second "
                f"({took_cpu:.1f} CPU s, {took_wall:.1f} s on the clock)"
            )
        if profile is not None:
            profile.dump_stats(args.profile)
            print(f"profile of both polls (figures slowed by it) in {args.profile}")
        rate = 2 * len(ids) / cpu
        again, _ = bare_parsers(docs)
        print(f"ceiling again after the polls: {again:.1f}")
        bare = (bare + again) / 2
        signals = Signal.objects.count()
        print(f"outcomes: {outcomes}; signals stored: {signals} (expected {len(ids) * 22})")
        print(
            f"P3: {rate:.1f} documents a CPU second, {rate / bare:.2f} of the bare parser "
            f"(target ≥ 1,000 and ≥ 0.3)"
        )
        print("hostile feeds, each polled once:")
        modes = ("bomb", "big", "gz", "slow")
        make_monitors(org, [f"http://{hosts[0]}:{port}/{mode}/1" for mode in modes],
                      [timezone.now()] * len(modes))  # fmt: skip
        for mode in modes:
            time.sleep(2.1)  # the host's gap
            began_wall = time.monotonic()
            outcome = polling.poll(Monitor.objects.get(url__endswith=f"/{mode}/1").pk)
            took = time.monotonic() - began_wall
            print(f"  {mode:5} {outcome.status}: {outcome.error} ({took:.1f} s)")
    finally:
        server.kill()


# --- part 2: 10,000 monitors on time ----------------------------------------------------------


def schedule(args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="groundswell-bench-listening-"))
    env = environment(data)
    setup_django()
    from django.utils import timezone

    from groundswell.listening.models import Monitor

    server, port = start_server(args.hosts)
    worker = None
    try:
        org = organisation_and_rules()
        hosts = addresses(args.hosts)
        rng = random.Random(3)
        hostile = ["slow", "bomb", "big", "gz"]
        urls = []
        for n in range(args.monitors):
            mode = rng.choice(hostile) if rng.random() < args.hostile else "stable"
            urls.append(f"http://{hosts[n % len(hosts)]}:{port}/{mode}/{n}")
        start = timezone.now() + timedelta(seconds=20)
        cycle = 15 * 60
        due = [start + timedelta(seconds=cycle * n / args.monitors) for n in range(args.monitors)]
        ids = make_monitors(org, urls, due)
        print(
            f"{len(ids)} monitors due evenly over 15 minutes from {start:%H:%M:%S}, "
            f"{sum('/stable/' not in u for u in urls)} of them slow or hostile"
        )
        log = open(data / "worker.log", "w")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "-m", "groundswell", "worker"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        cpu_server0, cpu_worker0 = tree_cpu(server.pid), 0.0
        time.sleep(20 + args.window)
        cpu_worker, cpu_server = (
            tree_cpu(worker.pid) - cpu_worker0,
            tree_cpu(server.pid) - cpu_server0,
        )
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        server.kill()
    end = start + timedelta(seconds=args.window - 30)
    came_due = Monitor.objects.filter(next_attempt_at__isnull=False).order_by("pk")
    lateness, unpolled, by_kind = [], 0, {}
    for monitor, when in zip(came_due, due, strict=True):
        if when > end:
            continue
        kind = monitor.url.rsplit("/", 2)[-2]
        counts = by_kind.setdefault(kind, {"due": 0, "polled": 0})
        counts["due"] += 1
        if monitor.last_polled_at is None:
            unpolled += 1
            continue
        counts["polled"] += 1
        if kind == "stable":
            lateness.append((monitor.last_polled_at - when).total_seconds())
    polled = len(lateness)
    print(
        f"came due in the first {args.window - 30} s: "
        f"{sum(c['due'] for c in by_kind.values())}; by kind {by_kind}"
    )
    print(
        f"ordinary feeds polled: {polled}; after coming due p50 {percentile(lateness, 50):.1f} s, "
        f"p99 {percentile(lateness, 99):.1f} s, max {max(lateness, default=float('nan')):.1f} s; "
        f"within 60 s: {sum(x <= 60 for x in lateness)}; not polled: {unpolled}"
    )
    print(
        f"CPU over the window: worker {cpu_worker:.1f} s "
        f"({1000 * cpu_worker / max(1, polled):.1f} ms a poll), feed server {cpu_server:.1f} s"
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["throughput", "schedule", "both"], default="both")
    parser.add_argument("--documents", type=int, default=300, help="for the bare parser")
    parser.add_argument("--polls", type=int, default=2000, help="throughput: polls in all")
    parser.add_argument("--hosts", type=int, default=200, help="loopback addresses served")
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=300, help="schedule: seconds of work")
    parser.add_argument("--hostile", type=float, default=0.01, help="schedule: share hostile")
    parser.add_argument("--profile", help="throughput: write cProfile stats of the polls here")
    args = parser.parse_args()
    print("python bench/listening.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    if args.part == "both":
        # Each part in its own process: each has its own database and settings.
        for part in ("throughput", "schedule"):
            rest = [a for a in sys.argv[1:] if not a.startswith("--part")]
            subprocess.run([sys.executable, __file__, "--part", part, *rest], check=True)
        return
    (throughput if args.part == "throughput" else schedule)(args)


if __name__ == "__main__":
    main()
