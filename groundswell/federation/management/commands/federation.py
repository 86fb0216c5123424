"""Federation by hand: follow someone, reply to a post, list what arrived, run the sweep."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.models import Organisation
from groundswell.federation import remote, services, tasks
from groundswell.federation.models import ReceivedActivity


class Command(BaseCommand):
    help = "Fediverse chores for an organisation: follow, reply, received, sweep."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        follow = commands.add_parser("follow", help="follow name@server or an actor address")
        follow.add_argument("org")
        follow.add_argument("handle")
        reply = commands.add_parser("reply", help="reply publicly to a post elsewhere")
        reply.add_argument("org")
        reply.add_argument("object_uri")
        reply.add_argument("text")
        received = commands.add_parser("received", help="print activities received, as JSON")
        received.add_argument("org")
        commands.add_parser("sweep", help="queue due retries and anything stuck, once")

    def _organisation(self, slug: str) -> Organisation:
        found = Organisation.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"there is no organisation {slug!r}")
        return found

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "follow":
                following = services.follow(self._organisation(options["org"]), options["handle"])
                self.stdout.write(f"{following.actor.handle}: {following.state}")
            elif action == "reply":
                activity = services.reply_to_object(
                    self._organisation(options["org"]), options["object_uri"], options["text"]
                )
                self.stdout.write(activity.payload["object"]["id"])
            elif action == "received":
                rows = ReceivedActivity.objects.filter(
                    organisation=self._organisation(options["org"])
                ).order_by("received_at", "id")
                for row in rows:
                    self.stdout.write(json.dumps({"state": row.state, "activity": row.payload}))
            else:
                self.stdout.write(json.dumps(tasks.sweep()))
        except remote.RemoteError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:  # an empty reply, or one the safety check refuses
            raise CommandError(" ".join(error.messages)) from None
