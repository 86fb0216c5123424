"""`python -m groundswell guard [--organisation SLUG] < text`: the guard's findings as JSON."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.models import Organisation
from groundswell.safety.guard import scan


class Command(BaseCommand):
    help = (
        "Read a text on standard input and print what the naming-and-shaming guard flags in "
        'it, as {"findings": [{"kind", "start", "end", "text", "reason"}]}. Exits 0 whether '
        "or not anything is flagged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organisation",
            metavar="SLUG",
            help="Leave alone this organisation's own names, domain and public figures.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(
                    f"No organisation has the address name {options['organisation']!r}."
                )
        # Offsets are in characters of the text as read: undecodable bytes become U+FFFD
        # rather than failing, so any input gets an answer.
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
        findings = scan(text, organisation=organisation)
        payload = {
            "findings": [
                {"kind": f.kind, "start": f.start, "end": f.end, "text": f.text, "reason": f.reason}
                for f in findings
            ]
        }
        self.stdout.write(json.dumps(payload, ensure_ascii=False))
