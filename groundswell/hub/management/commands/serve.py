"""Serve Groundswell with granian (WSGI), the production server."""

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def granian_command(host: str, port: int, workers: int) -> list[str]:
    """The granian command line; `demo` and the benchmarks use exactly this."""
    binary = shutil.which("granian", path=os.path.dirname(sys.executable)) or "granian"
    return [
        binary,
        "--interface", "wsgi",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        # One blocking thread per worker: Django's request path is CPU-bound here and extra
        # threads only fight over the GIL (measured; see docs/performance.md).
        "--blocking-threads", "1",
        "--respawn-failed-workers",
        "--no-ws",
        "--static-path-route", settings.STATIC_URL.rstrip("/"),
        "--static-path-mount", str(settings.STATIC_ROOT),
        "--static-path-route", settings.MEDIA_URL.rstrip("/"),
        "--static-path-mount", str(settings.MEDIA_ROOT),
        "groundswell.wsgi:application",
    ]  # fmt: skip


def default_workers() -> int:
    return max(2, os.cpu_count() or 1)


class Command(BaseCommand):
    help = "Serve the site with granian on HOST:PORT (collects static files first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=default_workers())

    def handle(self, *args: Any, **options: Any) -> None:
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        command = granian_command(options["host"], options["port"], options["workers"])
        os.execv(command[0], command)
