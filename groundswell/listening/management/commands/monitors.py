"""`python -m groundswell monitors add ORG_SLUG URL [URL …]` and `monitors poll`.

`add` makes a monitor per address and reads each one at once (a command may fetch; a web
request never does): it prints the monitor and the feeds found on it. `poll` polls every
due monitor once, one line each: its address, its state, how many items were new, and the
error if any. Both run the worker's own code (polling.poll), so what they print is what
the worker would do.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.models import Organisation
from groundswell.lib import leases
from groundswell.lib.http import FetchError, check_url_shape
from groundswell.listening import polling, services
from groundswell.listening.models import Monitor


class Command(BaseCommand):
    help = "Add monitors to an organisation (reading each address now), or poll the due ones."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="Listen to feeds or websites.")
        add.add_argument("org_slug", help="The organisation's address name, as in /o/NAME/.")
        add.add_argument("urls", nargs="+", metavar="URL", help="A feed's or a website's address.")
        commands.add_parser("poll", help="Poll every due monitor once.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            self._add(options["org_slug"], options["urls"])
        else:
            self._poll()

    def _add(self, slug: str, urls: list[str]) -> None:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"No organisation has the address name {slug!r}.")
        failed = False
        for url in urls:
            try:
                check_url_shape(url)
                monitor = services.add_address(organisation, url)
            except (FetchError, ValidationError) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else str(error)
                self.stderr.write(f"{url}: {message}")
                failed = True
                continue
            outcome = polling.poll(monitor.pk, force=True)
            monitor.refresh_from_db()
            line = f"{url}: monitor {monitor.pk}, {monitor.get_state_display()}"
            self.stdout.write(line + (f" ({outcome.error})" if outcome.error else ""))
            for feed in outcome.found:
                self.stdout.write(f"  feed: {feed}")
        if failed:
            raise CommandError("Some addresses were not added (see above).")

    def _poll(self) -> None:
        due = list(Monitor.objects.due(leases.now()).values_list("pk", "kind"))
        if not due:
            self.stdout.write("No monitor is due.")
            return
        for pk, _kind in due:
            outcome = polling.poll(pk)
            monitor = Monitor.objects.get(pk=pk)
            parts = [monitor.address, outcome.status, f"{outcome.new} new"]
            if outcome.error:
                parts.append(outcome.error)
            self.stdout.write("  ".join(parts))
        self.stdout.write(f"Polled {len(due)} monitors.")
