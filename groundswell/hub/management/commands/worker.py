from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

WORKER_NICENESS = 10
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# How often the supervisor queues again any periodic task that has no run waiting.
RESEED_EVERY = 60.0

logger = logging.getLogger("groundswell.worker")


def queue_commands(verbosity: int = 1) -> list[list[str]]:
    """Worker processes for every queue in settings.TASK_QUEUES (one each, or as many as
    TASK_QUEUE_PROCESSES says): a task waiting on a slow server (the "network" queue) or
    reading large tables for a report (the "reports" queue) then never holds up signatures,
    counts or email (the "default" queue)."""
    manage = [sys.executable, "-m", "groundswell", "worker"]
    if verbosity != 1:
        manage += ["--verbosity", str(verbosity)]
    return [
        [*manage, "--queue", name]
        for name in settings.TASK_QUEUES
        for _ in range(max(1, settings.TASK_QUEUE_PROCESSES.get(name, 1)))
    ]


class Command(BaseCommand):
    help = (
        "Run the background workers (django-tasks-db), one process per queue: email, "
        "signatures and counts on one; link cards, federation and syndication on another; "
        "rankings, analytics roll-ups and retention on a third."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue",
            choices=settings.TASK_QUEUES,
            help="Work this one queue in this process (the default starts one process per queue).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            call_command(
                quiet_db_worker(),
                queue_name=options["queue"],
                interval=0.5,
                reload=False,
                verbosity=options["verbosity"],
            )
            return
        from groundswell.lib.periodic import schedule_all

        # Periodic work (signature intake, confirmations, counts, scheduled posts) runs as
        # tasks that re-schedule themselves; make sure one of each is waiting (a worker
        # killed mid-run leaves none).
        schedule_all()
        # Everything the worker does can wait a little; on a small machine under a spike the
        # web workers answering people come first. The queue processes inherit the niceness.
        os.nice(WORKER_NICENESS)
        die_with_us = parent_death_signal()
        processes = [
            subprocess.Popen(command, preexec_fn=die_with_us)
            for command in queue_commands(options["verbosity"])
        ]
        sys.exit(supervise(processes, reseed=schedule_all))


def quiet_db_worker() -> BaseCommand:
    """django-tasks-db's worker without a log line per task at the default verbosity.

    Its `configure_logging` sets the "django.tasks" logger to INFO, which logs two lines
    per task run: with periodic tasks running twice a second, thousands of lines that say
    nothing. Each task logs one line per turn of real work instead (`lib.worklog`); failed
    tasks are still logged (ERROR, with the traceback), and `--verbosity 2` shows every run.
    """
    # Imported here: it loads models, and this module is imported before Django is set up
    # (`parent_death_signal` is used on its own).
    from django_tasks_db.management.commands.db_worker import Command as DbWorker

    class QuietDbWorker(DbWorker):
        def configure_logging(self, verbosity: int) -> None:
            super().configure_logging(verbosity)
            if verbosity == 1:
                logging.getLogger("django.tasks").setLevel(logging.WARNING)

    return QuietDbWorker()


def parent_death_signal(signum: int = signal.SIGKILL) -> Callable[[], None] | None:
    """For Popen's preexec_fn: the child gets `signum` (SIGKILL) when this process dies.

    Whatever stops the worker by killing its process (an OOM kill, a supervisor, the fault
    bench) must stop the queue workers too, as if they were that one process: orphans would
    go on working beside the worker started in its place. A child with children of its own
    (granian) should get SIGTERM instead: killed outright, it would leave them running.
    Linux only; elsewhere None.
    """
    try:
        import ctypes

        # Looked up here, in the parent: between fork and exec only the C call may run.
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, signum)

    return die_with_parent


def supervise(
    processes: list[subprocess.Popen[bytes]], *, reseed: Callable[[], object] | None = None
) -> int:
    """Wait while every queue worker runs; stop them all when one stops or we are told to.

    One queue left unworked would look healthy from outside: better that the whole worker
    exits and its supervisor (systemd, the demo) sees it. `reseed` (the periodic tasks'
    `schedule_all`) is called every RESEED_EVERY seconds: a periodic series whose next run
    could not be queued (the database locked, a failover) starts again within a minute.
    """
    stopping = False
    reseed_at = time.monotonic() + RESEED_EVERY

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.2)
            if reseed is not None and time.monotonic() >= reseed_at:
                reseed_at = time.monotonic() + RESEED_EVERY
                _reseed(reseed)
    finally:
        for process in processes:
            if process.poll() is None:
                _signal_all(process, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _signal_all(process, signal.SIGKILL)
                process.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    codes = [process.returncode for process in processes]
    return 0 if stopping else next((code for code in codes if code), 1)


def _reseed(reseed: Callable[[], object]) -> None:
    from django.db import close_old_connections

    try:
        reseed()
    except Exception:
        # The database may be away for a while: the next try is a minute away, and a
        # supervisor that died of it would take every queue worker with it.
        logger.exception("Could not queue the periodic tasks again; trying in a minute.")
    finally:
        # A connection broken meanwhile (a failover) or past its age is dropped here, so
        # the next call opens a fresh one.
        close_old_connections()


def _signal_all(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal `process`, and its whole process group when it leads one.

    granian forks its own workers: started in a session of its own (the demo does so), it
    and they are stopped together, and a granian stuck in its start-up cannot leave a worker
    behind when it is killed.
    """
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
    except ProcessLookupError:
        pass  # it has just ended
