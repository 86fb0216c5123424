"""What the shared sign limit costs a signature: the sign POST timed in-process.

Each variant signs REQUESTS times (a new email each, from ADDRESSES rotating client
addresses, so the limit never refuses) through Django's test client, which runs the whole
middleware stack and view but no HTTP server. Variants:

  per-process  the limiter before issue 9: a counter in the local-memory cache
  shared       the limiter now: one upsert in the database (groundswell/lib/ratelimit.py)
  redis        the limiter now with REDIS_URL set (only with --redis URL)

Run once per database (a fresh SQLite file in a temporary directory, or DATABASE_URL):

  PYTHONPATH=$PWD .venv/bin/python bench/sign_limiter.py
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/gs_limits PYTHONPATH=$PWD \
      .venv/bin/python bench/sign_limiter.py
"""

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
os.environ.setdefault("GROUNDSWELL_DATA_DIR", tempfile.mkdtemp(prefix="gs-bench-limiter-"))
os.environ["ORGANISATION_SIGNUP"] = "open"
os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"  # the worker is not run

import django

django.setup()

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from groundswell.accounts.models import Membership, User
from groundswell.accounts.services import create_organisation
from groundswell.actions.petitions import create_petition
from groundswell.campaigns.services import create_campaign
from groundswell.lib import ratelimit

SHARED = ratelimit.hit


def per_process(scope: str, key: str, *, limit: int, window: int) -> bool:
    """The limiter as it was before issue 9 (a local-memory cache counter per process)."""
    bucket = int(time.time() // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    name = f"rl:{scope}:{digest}:{bucket}"
    if cache.add(name, 1, timeout=window + 1):
        return True
    try:
        return cache.incr(name) <= limit
    except ValueError:
        cache.add(name, 1, timeout=window + 1)
        return True


def petition_url() -> str:
    tag = uuid.uuid4().hex[:8]
    owner = User.objects.create_user(f"bench-{tag}@example.org", None, name="Bench")
    organisation = create_organisation(name=f"Bench {tag}", slug=f"bench-{tag}", owner=owner)
    membership = Membership.objects.get(user=owner, organisation=organisation)
    campaign = create_campaign(membership, {"title": "Bench", "slug": "bench", "status": "live"})
    petition = create_petition(
        membership,
        {"campaign": campaign, "title": "Bench", "ask": "Sign.", "target_name": "T"},
    )
    return f"/o/{organisation.slug}/petitions/{petition.pk}/sign/"


def run(url: str, requests: int, addresses: int, run_tag: str) -> list[float]:
    client = Client(HTTP_HOST="127.0.0.1")
    timings = []
    for number in range(requests):
        data = {"email": f"s{number}-{run_tag}@example.net", "given_name": "Sam", "consent": "on"}
        address = f"10.{number % addresses // 250}.{number % 250}.{number % 7 + 1}"
        start = time.perf_counter()
        response = client.post(url, data, REMOTE_ADDR=address)
        timings.append(time.perf_counter() - start)
        if response.status_code != 302:
            raise SystemExit(f"sign answered {response.status_code}: the bench is wrong")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--addresses", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2, help="alternate the variants this often")
    parser.add_argument("--redis", default="", help="also time the Redis counts at this URL")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    url = petition_url()
    variants = {"per-process": per_process, "shared": SHARED}
    if args.redis:
        variants["redis"] = SHARED
    results: dict[str, list[float]] = {name: [] for name in variants}
    ratelimit.hit = per_process  # type: ignore[assignment]
    run(url, 200, args.addresses, "warm")
    for round_number in range(args.rounds):
        for name, limiter in variants.items():
            ratelimit.hit = limiter  # type: ignore[assignment]
            settings.REDIS_URL = args.redis if name == "redis" else ""
            tag = f"{name}-{round_number}"
            results[name] += run(url, args.requests // args.rounds, args.addresses, tag)
    print(f"{connection.vendor}, {args.requests} sign POSTs per variant, in-process")
    medians = {}
    for name, timings in results.items():
        timings.sort()
        medians[name] = statistics.median(timings)
        p99 = timings[int(len(timings) * 0.99) - 1]
        print(f"  {name:12} median {medians[name] * 1e3:.3f} ms   p99 {p99 * 1e3:.3f} ms")
    for name in medians:
        if name != "per-process":
            ratio = medians[name] / medians["per-process"]
            print(f"  {name} / per-process median: {ratio:.2f}")
    # The limiter call alone, without the rest of the request around it.
    for name, limiter in variants.items():
        settings.REDIS_URL = args.redis if name == "redis" else ""
        alone = []
        for number in range(args.requests):
            start = time.perf_counter()
            limiter("bench", f"10.9.{number % 250}.1", limit=10**6, window=60)
            alone.append(time.perf_counter() - start)
        alone.sort()
        print(
            f"  {name:12} limiter alone: median {statistics.median(alone) * 1e6:.0f} us"
            f"   p99 {alone[int(len(alone) * 0.99) - 1] * 1e6:.0f} us"
        )


if __name__ == "__main__":
    main()
