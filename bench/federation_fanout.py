"""P5: one story to 10,000 fediverse followers on loopback peers, in at most 60 s.

    .venv/bin/python bench/federation_fanout.py [--servers 50] [--per-server 190] [--personal 500]

Followers are spread over `--servers` peer servers with a shared inbox each, plus `--personal`
followers with only a personal inbox (on five more servers). Shared inboxes must be
deduplicated, so the deliveries expected are servers + personal. The publish runs the real
path (facade → fan-out task → one signed POST per delivery through groundswell.lib.http) with
tasks run inline. Afterwards every delivery row and every peer's log is counted, and a sample
of signatures is verified. Targets only 127.0.0.1; stops by itself (bounded count, 120 s cap).
A fresh temporary SQLite database is used unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TIME_CAP_SECONDS = 120
TARGET_SECONDS = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--per-server", type=int, default=190)
    parser.add_argument("--personal", type=int, default=500)
    options = parser.parse_args()
    total_followers = options.servers * options.per_server + options.personal
    if total_followers > 50_000 or options.servers > 200:
        parser.error("keep it under 50,000 followers and 200 servers")

    os.environ.setdefault("GROUNDSWELL_DATA_DIR", tempfile.mkdtemp(prefix="gs-bench-fanout-"))
    os.environ["SITE_URL"] = "http://127.0.0.1:8000"
    os.environ["HTTP_ALLOW_LOOPBACK"] = "true"
    os.environ["TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "groundswell.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    import logging

    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from groundswell.accounts.models import Membership, User
    from groundswell.accounts.services import create_organisation
    from groundswell.federation.models import (
        ActorKey,
        Delivery,
        Follower,
        OutboxActivity,
        RemoteActor,
    )
    from groundswell.federation.tests.peers import Peer, verify_signed_post
    from groundswell.stories.services import change_state, create_story

    print(f"database: {connection.vendor}; setting up …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    owner = User.objects.create_user(
        f"bench-{time.time_ns()}@example.org", "correct horse battery staple", name="Bench"
    )
    organisation = create_organisation(
        name="Bench Org", slug=f"bench-{time.time_ns() % 10**9}", owner=owner, approved=True
    )
    member = Membership.objects.select_related("organisation", "user").get(
        user=owner, organisation=organisation
    )

    shared_peers = [Peer() for _ in range(options.servers)]
    personal_peers = [Peer() for _ in range(5)] if options.personal else []
    try:
        now = timezone.now()
        actors = []
        for index, peer in enumerate(shared_peers):
            for n in range(options.per_server):
                uri = peer.url(f"/users/u{n}")
                actors.append(
                    RemoteActor(
                        uri=uri,
                        key_id=None,
                        inbox=uri + "/inbox",
                        shared_inbox=peer.url("/inbox"),
                        username=f"u{n}",
                        domain=f"peer{index}",
                        fetched_at=now,
                    )
                )
        for n in range(options.personal):
            peer = personal_peers[n % len(personal_peers)]
            uri = peer.url(f"/users/p{n}")
            actors.append(
                RemoteActor(
                    uri=uri,
                    inbox=uri + "/inbox",
                    username=f"p{n}",
                    domain="personal",
                    fetched_at=now,
                )
            )
        RemoteActor.objects.bulk_create(actors, batch_size=2000)
        actor_ids = RemoteActor.objects.filter(uri__in=[a.uri for a in actors]).values_list(
            "pk", flat=True
        )
        Follower.objects.bulk_create(
            [
                Follower(organisation=organisation, actor_id=pk, follow_id=f"urn:bench:{pk}")
                for pk in actor_ids
            ],
            batch_size=2000,
        )
        followers = Follower.objects.filter(organisation=organisation).count()
        story = create_story(
            member,
            {
                "title": "Ten thousand readers",
                "slug": "ten-thousand",
                "summary": "A fan-out benchmark.",
                "body": "Hello, **fediverse**. " * 50,
                "language": "en",
            },
        )
        ActorKey.objects.filter(organisation=organisation).delete()
        print(f"followers: {followers:,}; publishing …", flush=True)

        started = time.perf_counter()
        # Publishing queues the Create; outside a transaction the fan-out runs at once.
        story = change_state(member, story, "publish")
        activity = OutboxActivity.objects.order_by("-pk").first()
        elapsed = time.perf_counter() - started
        if elapsed > TIME_CAP_SECONDS:
            print("stopped: over the time cap")

        assert activity is not None
        deliveries = Delivery.objects.filter(activity=activity)
        states = Counter(deliveries.values_list("state", flat=True))
        expected = options.servers + options.personal
        posts = Counter()
        for peer in shared_peers + personal_peers:
            for recorded in peer.received:
                posts[(peer.host, recorded.path)] += 1
        duplicates = sum(count - 1 for count in posts.values() if count > 1)
        key = ActorKey.objects.get(organisation=organisation).public_key_pem
        sample = [
            peer.received[0] for peer in (shared_peers + personal_peers)[:20] if peer.received
        ]
        hosts = [peer.host for peer in (shared_peers + personal_peers)[:20] if peer.received]
        verified = sum(
            verify_signed_post(recorded, key, host=host)
            for recorded, host in zip(sample, hosts, strict=True)
        )
        ok = (
            states.get("delivered", 0) == expected
            and sum(posts.values()) == expected
            and duplicates == 0
            and verified == len(sample)
            and elapsed <= TARGET_SECONDS
        )
        print()
        print("P5 federation fan-out")
        print(f"  followers                 {followers:,}")
        print(f"  peer servers (shared)     {options.servers} × {options.per_server}")
        print(f"  personal inboxes          {options.personal}")
        print(f"  deliveries expected       {expected:,} (shared inboxes deduplicated)")
        print(f"  delivery rows by state    {dict(states)}")
        print(f"  POSTs received by peers   {sum(posts.values()):,}; duplicates {duplicates}")
        print(f"  signatures verified       {verified}/{len(sample)} sampled")
        print(f"  time, publish → all sent  {elapsed:.2f} s (target ≤ {TARGET_SECONDS} s)")
        print(f"  followers reached per s   {followers / elapsed:,.0f}")
        print(f"  deliveries per s          {sum(posts.values()) / elapsed:,.1f}")
        print(f"  result                    {'PASS' if ok else 'FAIL'}")
        print(f"  command: .venv/bin/python bench/federation_fanout.py {' '.join(sys.argv[1:])}")
        return 0 if ok else 1
    finally:
        for peer in shared_peers + personal_peers:
            peer.stop()


if __name__ == "__main__":
    sys.exit(main())
