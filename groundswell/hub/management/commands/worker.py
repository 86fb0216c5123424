from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (django-tasks-db) that sends email and fetches links."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker", interval=0.5, reload=False)
