"""Print a new API token for an organisation, for scripts: `issue_api_token alices`.

Only the token goes to standard output, so `TOKEN=$(manage.py issue_api_token alices)`
captures it; everything else goes to standard error.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.models import Membership, Organisation, Role
from groundswell.api import services


class Command(BaseCommand):
    help = "Create an OSDI API token for an organisation and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org_slug", help="the organisation's address name, like 'alices'")
        parser.add_argument("--name", default="Command line", help="what the token is for")

    def handle(self, *args: Any, org_slug: str, name: str, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=org_slug).first()
        if organisation is None:
            raise CommandError(f"There is no organisation with the address name {org_slug!r}.")
        # Tokens are an owner's to hand out; the audit log names the first owner as creator.
        owner = (
            Membership.objects.select_related("organisation", "user")
            .filter(organisation=organisation, role=Role.OWNER)
            .order_by("created_at", "pk")
            .first()
        )
        if owner is None:
            raise CommandError(f"{organisation.name} has no owner to create the token as.")
        try:
            token, raw = services.issue_token(owner, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(raw)
        self.stderr.write(
            f"Created the token “{token.name}” ({token.prefix}…) for {organisation.name}. "
            "It is shown only this once."
        )
