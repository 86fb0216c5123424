"""What counting page views costs the page copy (P2): the copy's path with counting on and off.

    .venv/bin/python bench/page_copy_counting.py --requests 3000 --rounds 3

In one process, on a fresh SQLite database with a live campaign and its petition: the WSGI
application as `serve` runs it (`media.front(pagecache.front(Django))`) answers GETs of the
campaign page from its copy, before Django runs, with a browser's User-Agent and a share
link's query (`?ref=…&ch=whatsapp&utm_source=newsletter`). Rounds alternate counting on and
off (lib/analytics.COUNTING), each timing `--requests` requests; the copy is warmed before
each round so that no round renders the page. Counts are written out between rounds (the
thread that does so in `serve` is not part of a request's path). Prints µs a request.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="groundswell-pagecount-")
    os.environ.update({
        "GROUNDSWELL_DATA_DIR": data, "SITE_URL": "http://127.0.0.1:8000",
        "DJANGO_SETTINGS_MODULE": "groundswell.settings", "LOG_LEVEL": "WARNING",
        "ANALYTICS_FLUSH_SECONDS": "0",
        # Static files by their plain names: no collectstatic manifest in a fresh directory.
        "PLAIN_STATIC_FILES": "true",
    })  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory
    from email_turns import _petition_with_signers

    from groundswell.analytics.models import PendingCount
    from groundswell.lib import analytics, media, pagecache

    django_app = WSGIHandler()
    reached = [0]

    def counted(environ: dict[str, Any], start_response: Any) -> Any:
        reached[0] += 1
        return django_app(environ, start_response)

    # As groundswell/wsgi.py builds it, with a count of what reached Django.
    application = media.front(pagecache.front(counted))
    # The copy's freshness is not measured here: no round renders the page again.
    pagecache.SECONDS = 3600.0

    petition = _petition_with_signers(0)
    url = petition.campaign.get_absolute_url()
    headers: dict[str, Any] = {
        "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36",
        "HTTP_ACCEPT": "text/html",
        "HTTP_HOST": "127.0.0.1:8000",
    }
    query = "?ref=abcdefghijklmnop&ch=whatsapp&utm_source=newsletter"
    environ = RequestFactory().get(url + query, **headers).environ

    def reply() -> int:
        status: list[str] = []
        body = b"".join(application(dict(environ), lambda s, h, *e: status.append(s)))
        assert status[0].startswith("200") and b"whatsapp" in body, (status, body[-2000:])
        return len(body)

    def round_of(counting: bool) -> tuple[float, float]:
        analytics.COUNTING = counting
        pagecache.clear()
        reply()  # renders the copy (Django)
        reply()  # teaches `front` the copy's headers
        reached[0] = 0
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            reply()
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        assert reached[0] == 0, f"{reached[0]} requests reached Django"
        analytics.flush()
        return 1e6 * elapsed / args.requests, 1e6 * used / args.requests

    on: list[tuple[float, float]] = []
    off: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        on.append(round_of(True))
        off.append(round_of(False))
    total = sum(PendingCount.objects.values_list("count", flat=True))
    expected = args.rounds * (args.requests + 2)
    for name, rounds in (("on", on), ("off", off)):
        wall = " / ".join(f"{t[0]:.1f}" for t in rounds)
        cpu = " / ".join(f"{t[1]:.1f}" for t in rounds)
        print(f"counting {name:3s}: {wall} µs a request (wall); {cpu} µs CPU")
    print(f"page views counted {total:,} of {expected:,} served with counting on")
    assert total == expected
    print(f"command: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
