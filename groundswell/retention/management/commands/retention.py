"""`python -m groundswell retention ORG_SLUG [--dry-run]`: apply an organisation's retention
schedule now (audited, as the daily run is), or say per kind what it would do."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.models import Organisation
from groundswell.lib import leases
from groundswell.lib import retention as registry
from groundswell.lib.retention import ANONYMISE
from groundswell.retention import services


class Command(BaseCommand):
    help = (
        "Delete or anonymise the personal data an organisation's retention schedule no longer "
        "keeps, now; with --dry-run, only print what that would be, per kind of data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org_slug", help="The organisation's address name, as in /o/NAME/.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Change nothing; print what a run would do."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["org_slug"]
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"No organisation has the address name {slug!r}.")
        dry = options["dry_run"]
        now = leases.now()
        heading = "Dry run: nothing is changed." if dry else "Applying the schedule."
        self.stdout.write(f"{organisation.name} ({slug}), {now:%Y-%m-%d %H:%M} UTC. {heading}")
        try:
            outcomes = (
                services.preview(organisation, now)
                if dry
                else services.run_organisation(organisation, now=now)
            )
        except services.RetentionFailed as error:
            raise CommandError(
                f"Some kinds failed (see the log and the audit entry): {error}"
            ) from None
        for each in outcomes:
            verb = "anonymise" if each.kind.does == ANONYMISE else "delete"
            verb = f"would {verb}" if dry else f"{verb}d"
            self.stdout.write(
                f"  {each.kind.label}: {verb} {registry.describe(each.counts)} "
                f"(kept {each.days} days: older than {each.cutoff:%Y-%m-%d %H:%M})"
            )
        total = sum(registry.total(each.counts) for each in outcomes)
        self.stdout.write(f"{'Would change' if dry else 'Changed'} {total} records in all.")
