"""Stopping `python -m groundswell demo` stops everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# The test run's own settings (tasks inline, mail in memory, perhaps PostgreSQL) are not
# the demo's: it runs as a person would start it, on SQLite in its own data directory.
NOT_FOR_THE_DEMO = ("DATABASE_URL", "TASKS_BACKEND", "EMAIL_BACKEND", "SITE_URL", "PORT")
# The demo's processes once all are up: granian and its own workers, the worker and its
# two queue workers. granian forks its workers last, and under load a while later.
ALL_UP = 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        for child in (task / "children").read_text().split():
            found |= {int(child)} | descendants(int(child))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def start_demo(tmp_path: Path) -> tuple[subprocess.Popen[bytes], set[int], Path]:
    """The demo, answering, with its web server and worker (and their children) up."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_FOR_THE_DEMO}
    env["GROUNDSWELL_DATA_DIR"] = str(tmp_path)
    # Into a file, not a pipe: a pipe nobody reads fills up and blocks whoever writes to it.
    log = tmp_path / "demo.log"
    port = free_port()
    with log.open("w") as output:
        demo = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "groundswell", "demo", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 240
        while "Press Ctrl-C to stop." not in log.read_text() and time.monotonic() < deadline:
            assert demo.poll() is None, log.read_text()
            time.sleep(0.5)
        # Stopped as a person would stop it: once it answers.
        while not answers(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        # The web server and the worker, and all their children, are up: what is not yet
        # started cannot be shown to stop.
        wait_until = time.monotonic() + 60
        while len(children := descendants(demo.pid)) < ALL_UP and time.monotonic() < wait_until:
            time.sleep(0.5)
        assert len(children) >= ALL_UP, children
    except BaseException:
        stop_everything(demo, children)
        raise
    return demo, children, log


def stop_everything(demo: subprocess.Popen[bytes], children: set[int]) -> None:
    """Whatever the outcome, nothing of a test's demo outlives it."""
    for pid in [demo.pid, *children]:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    demo.wait()


def left_running(children: set[int]) -> list[str]:
    wait_until = time.monotonic() + 30
    while any(alive(pid) for pid in children) and time.monotonic() < wait_until:
        time.sleep(0.5)
    return [Path(f"/proc/{pid}/cmdline").read_text() for pid in children if alive(pid)]


def test_a_sigterm_to_the_demo_stops_its_web_server_and_worker(tmp_path: Path) -> None:
    demo, children, log = start_demo(tmp_path)
    try:
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) is not None
        assert not left_running(children)
        # A readable log: no line per task run (the worker runs a few every second).
        assert "Task id=" not in log.read_text()
    finally:
        stop_everything(demo, children)


def test_a_demo_killed_outright_leaves_no_web_server_or_worker_behind(tmp_path: Path) -> None:
    demo, children, _log = start_demo(tmp_path)
    try:
        # granian's own workers are among the children (start_demo waited for them): they
        # must go too.
        assert len(children) >= ALL_UP, children
        demo.send_signal(signal.SIGKILL)
        demo.wait(timeout=10)
        assert not left_running(children)
    finally:
        stop_everything(demo, children)
