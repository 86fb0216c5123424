"""`make demo`: migrate, seed fictional data once, then run the web server and the worker."""

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from groundswell.hub import demo
from groundswell.lib.siteurl import local_site_url

from .serve import default_workers, granian_command
from .worker import parent_death_signal, supervise


class Command(BaseCommand):
    help = "Run the demo site: migrate, seed demo data if empty, serve with a worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--seed-only", action="store_true", help="Seed and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not os.environ.get("SITE_URL"):
            # Links the demo writes (seeding here, then mail and pages in the web server and
            # the worker) must point where it runs, whatever --port or PORT said.
            settings.SITE_URL = local_site_url(host, port)
        call_command("migrate", interactive=False, verbosity=0)
        credentials = settings.DATA_DIR / "demo-login.txt"
        if demo.is_empty():
            self.stdout.write("Creating the fictional demo organisations…")
            email, password = demo.seed()
            credentials.write_text(f"{email}\n{password}\n")
            credentials.chmod(0o600)
        if options["seed_only"]:
            return
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        env = {
            **os.environ,
            "EMAIL_BACKEND": os.environ.get(
                "EMAIL_BACKEND", "groundswell.notifications.backends.OutboxBackend"
            ),
            "SITE_URL": settings.SITE_URL,
        }
        manage = [sys.executable, "-m", "groundswell"]
        worker = subprocess.Popen([*manage, "worker"], env=env, preexec_fn=parent_death_signal())
        web = subprocess.Popen(
            granian_command(host, port, default_workers()),
            env=env,
            # Not SIGKILL: granian's own workers outlive a killed granian; told to stop, it
            # stops them.
            preexec_fn=parent_death_signal(signal.SIGTERM),
            start_new_session=True,  # its workers are stopped with it, as one group
        )
        url = f"{settings.SITE_URL}/"
        listening = f"{local_site_url(host, port)}/"
        lines = [
            "",
            f"Groundswell demo is running at {url}"
            + (f" (listening on {listening})" if listening != url else ""),
            f"Staff sign-in: {url}accounts/login/",
        ]
        if credentials.exists():
            email, password = credentials.read_text().split()[:2]
            lines.append(f"  email: {email}   password: {password}")
            lines.append(
                "  (bob@, dana@, milo@ and sami@example.org use the same password;"
                " README says who is who)"
            )
        lines.append(
            f"Emails are kept, not sent: staff read them at {url}staff/riverside-pantry/outbox/"
        )
        lines.append(
            "Posts to the built-in demo timeline appear at "
            f"{url}staff/riverside-pantry/channels/timeline/"
        )
        lines.append("Press Ctrl-C to stop.")
        self.stdout.write("\n".join(lines))
        # Stopped by Ctrl-C or by a SIGTERM (a service manager, `kill`): either way the web
        # server and the worker stop with it, and die with it if it is killed outright.
        supervise([web, worker])
