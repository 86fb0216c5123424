"""Drive Debian's `wrk` (a C load generator) with the Lua scripts in bench/lua/.

The asyncio generator in loadgen.py needs most of a core to send a few thousand requests a
second, on the same two cores as the server it measures; wrk needs a fraction of that, so
the figures say what the server can do. Every run is bounded by a request count (each
thread stops at its share) and by a duration, and only loopback addresses are accepted.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

LUA = Path(__file__).resolve().parent / "lua"


@dataclass
class WrkReport:
    name: str
    requests: int = 0
    elapsed: float = 0.0
    p50: float = 0.0  # milliseconds
    p95: float = 0.0
    p99: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)  # from the sign form's 302s

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status < high)

    def percentile(self, p: int) -> float:
        return {50: self.p50, 95: self.p95, 99: self.p99}[p]

    def line(self) -> str:
        errors = {k: v for k, v in self.errors.items() if v}
        return (
            f"{self.name:<22} {self.requests:>7} req  {self.throughput:>8.0f} req/s  "
            f"p50 {self.p50:6.1f} ms  p95 {self.p95:6.1f} ms  p99 {self.p99:6.1f} ms  "
            f"statuses {self.statuses}" + (f"  errors {errors}" if errors else "")
        )


def binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian's package)")
    return found


def run(
    name: str,
    url: str,
    script: str,
    *,
    count: int,
    duration: float,
    connections: int = 64,
    threads: int = 1,
    prefix: str = "run",
    extra: Sequence[str] = (),
) -> WrkReport:
    """Send at most `count` requests for at most `duration` seconds; return the figures.

    `extra` goes to the script after the common arguments (bench/lua/common.lua)."""
    host = urlsplit(url).hostname or ""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"refusing to load {host}: benchmarks only target loopback")
    with tempfile.TemporaryDirectory(prefix="groundswell-wrk-") as folder:
        lua = Path(folder) / f"{script}.lua"
        lua.write_text((LUA / "common.lua").read_text() + (LUA / f"{script}.lua").read_text())
        stem = str(Path(folder) / "tokens")
        per_thread = max(1, count // threads)
        command = [
            binary(), "-t", str(threads), "-c", str(connections), "-d", f"{int(duration)}s",
            "--timeout", "10s", "-s", str(lua), url, "--", prefix, str(per_thread), stem, *extra,
        ]  # fmt: skip
        output = _with_progress(name, command, duration)
        report = _parse(name, output)
        for path in Path(folder).glob("tokens.*"):
            report.tokens += path.read_text().split()
    return report


def _with_progress(name: str, command: list[str], duration: float) -> str:
    stop = threading.Event()

    def tick() -> None:
        started = time.monotonic()
        while not stop.wait(1):
            sys.stderr.write(
                f"\r  {name}: {time.monotonic() - started:4.0f} s of ≤ {duration:.0f} s … "
            )
            sys.stderr.flush()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    finally:
        stop.set()
        ticker.join()
        sys.stderr.write("\r" + " " * 60 + "\r")
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def _parse(name: str, output: str) -> WrkReport:
    line = next((x for x in output.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    data = json.loads(line.removeprefix("RESULT "))
    return WrkReport(
        name=name,
        requests=data["requests"],
        elapsed=(data["measured_us"] or data["duration_us"]) / 1e6,
        p50=data["p50_us"] / 1000,
        p95=data["p95_us"] / 1000,
        p99=data["p99_us"] / 1000,
        statuses={int(k): v for k, v in data["statuses"].items()},
        errors=data["errors"],
    )
