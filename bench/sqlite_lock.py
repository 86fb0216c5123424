"""Several processes writing one SQLite file: SQLite's busy handler against our flock queue.

Each of PROCESSES processes does autocommit INSERTs as fast as it can for a fixed time, as
granian's web workers do during a spike, while one more process writes as the task worker
does: a transaction of BATCH rows, then a short pause. The latencies are those of the
single-row writers, as a person signing would feel them. Arm A is plain sqlite3 with
a busy timeout (SQLite sleeps and retries, with growing pauses); arm B takes an exclusive
flock() on a file beside the database around each write, as `groundswell/lib/sqlite` does,
so waiters block in the kernel and wake when the writer is done. The arms run alternately
(A B A B) and each prints writes per second and the latency percentiles of one write.

    .venv/bin/python bench/sqlite_lock.py --processes 4 --seconds 5 --rounds 2
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import multiprocessing
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def no_lock(_path: Path) -> Iterator[None]:
    yield


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def batch_writer(database: str, use_flock: bool, seconds: float, batch: int) -> None:
    connection = sqlite3.connect(database, timeout=30, isolation_level=None)
    lock = file_lock if use_flock else no_lock
    lock_path = Path(database + ".lock")
    deadline = time.monotonic() + seconds
    counter = 0
    while time.monotonic() < deadline:
        with lock(lock_path):
            connection.execute("BEGIN IMMEDIATE")
            for _ in range(batch):
                counter += 1
                connection.execute(
                    "INSERT INTO batches (email) VALUES (?)", (f"w{counter}@example.org",)
                )
            connection.execute("COMMIT")
        time.sleep(0.02)
    connection.close()


def writer(database: str, use_flock: bool, seconds: float, number: int, out) -> None:
    connection = sqlite3.connect(database, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    lock = file_lock if use_flock else no_lock
    lock_path = Path(database + ".lock")
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    counter = 0
    while time.monotonic() < deadline:
        counter += 1
        started = time.perf_counter()
        with lock(lock_path):
            connection.execute(
                "INSERT INTO rows (email) VALUES (?)", (f"p{number}-{counter}@example.org",)
            )
        latencies.append(time.perf_counter() - started)
    connection.close()
    out.put(latencies)


def run(arm: str, processes: int, seconds: float, batch: int) -> tuple[float, ...]:
    with tempfile.TemporaryDirectory() as folder:
        database = os.path.join(folder, "bench.sqlite3")
        setup = sqlite3.connect(database)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, email TEXT UNIQUE)")
        setup.execute("CREATE TABLE batches (id INTEGER PRIMARY KEY, email TEXT UNIQUE)")
        setup.close()
        queue: multiprocessing.Queue = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(
                target=writer, args=(database, arm == "flock", seconds, n, queue)
            )
            for n in range(processes)
        ]
        if batch:
            workers.append(
                multiprocessing.Process(
                    target=batch_writer, args=(database, arm == "flock", seconds, batch)
                )
            )
        for process in workers:
            process.start()
        latencies = [value for _ in range(processes) for value in queue.get()]
        for process in workers:
            process.join()
        check = sqlite3.connect(database)
        stored = check.execute("SELECT count(*) FROM rows").fetchone()[0]
        check.close()
    assert stored == len(latencies), (stored, len(latencies))
    cuts = statistics.quantiles(latencies, n=1000)
    return (
        len(latencies) / seconds,
        cuts[499] * 1000,
        cuts[989] * 1000,
        max(latencies) * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500, help="rows per worker transaction")
    args = parser.parse_args()
    print(
        f"command: .venv/bin/python bench/sqlite_lock.py --processes {args.processes} "
        f"--seconds {args.seconds} --rounds {args.rounds} --batch {args.batch}"
    )
    for round_number in range(1, args.rounds + 1):
        for arm in ("busy-handler", "flock"):
            rate, p50, p99, worst = run(arm, args.processes, args.seconds, args.batch)
            print(
                f"round {round_number} {arm:>12}: {rate:8,.0f} writes/s  "
                f"p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  max {worst:7.1f} ms"
            )


if __name__ == "__main__":
    main()
