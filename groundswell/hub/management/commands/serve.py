"""Serve Groundswell with granian (WSGI), the production server."""

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection


def granian_command(host: str, port: int, workers: int, threads: int | None = None) -> list[str]:
    """The granian command line; `demo` and the benchmarks use exactly this."""
    binary = shutil.which("granian", path=os.path.dirname(sys.executable)) or "granian"
    return [
        binary,
        "--interface", "wsgi",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(threads or default_threads()),
        "--respawn-failed-workers",
        "--no-ws",
        "--static-path-route", settings.STATIC_URL.rstrip("/"),
        "--static-path-mount", str(settings.STATIC_ROOT),
        # Not /media/: granian has one expiry for all its mounts, and a withdrawn image must
        # not stay a year in caches. `lib.media.front` serves it, with a short lifetime.
        "--static-path-expires", str(STATIC_MAX_AGE),
        "groundswell.wsgi:application",
    ]  # fmt: skip


# Static names change with their content (ManifestStaticFilesStorage), so a year is safe.
STATIC_MAX_AGE = 365 * 24 * 3600


def default_workers() -> int:
    return max(2, os.cpu_count() or 1)


def default_threads() -> int:
    """Python threads per granian worker (measured; see docs/performance.md).

    On SQLite a request is CPU work plus a write lock taken in turn, so more threads only
    fight over the GIL. On PostgreSQL a request spends part of its time waiting for the
    database server, another process; a second thread runs Python meanwhile (more than two
    raised the campaign page's p99 past its target).
    """
    return THREADS_POSTGRESQL if connection.vendor == "postgresql" else 1


THREADS_POSTGRESQL = 2


class Command(BaseCommand):
    help = "Serve the site with granian on HOST:PORT (collects static files first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="Python threads per worker (default: by database)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        settings.PRIVATE_MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        command = granian_command(
            options["host"], options["port"], options["workers"], options["threads"]
        )
        os.execv(command[0], command)
