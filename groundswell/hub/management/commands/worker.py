from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (django-tasks-db): email, link cards, petition counts."

    def handle(self, *args: Any, **options: Any) -> None:
        from groundswell.actions.tasks import schedule_recount

        # The petition counts are recounted by a task that re-schedules itself; make sure one
        # is waiting (a worker killed mid-run leaves none).
        schedule_recount()
        call_command("db_worker", interval=0.5, reload=False)
