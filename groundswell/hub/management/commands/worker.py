import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

WORKER_NICENESS = 10


class Command(BaseCommand):
    help = "Run the background worker (django-tasks-db): email, link cards, petition counts."

    def handle(self, *args: Any, **options: Any) -> None:
        from groundswell.actions.tasks import schedule_periodic as actions_periodic
        from groundswell.federation.services import schedule_periodic as federation_periodic
        from groundswell.syndication.tasks import schedule_periodic as syndication_periodic

        # Periodic work (signature intake, confirmations, counts, scheduled posts) runs as
        # tasks that re-schedule themselves; make sure one of each is waiting (a worker
        # killed mid-run leaves none).
        actions_periodic()
        syndication_periodic()
        federation_periodic()
        # Everything the worker does can wait a little; on a small machine under a spike the
        # web workers answering people come first.
        os.nice(WORKER_NICENESS)
        call_command("db_worker", interval=0.5, reload=False)
