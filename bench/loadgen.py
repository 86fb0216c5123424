"""A small asyncio HTTP/1.1 load generator for loopback benchmarks.

Keep-alive connections, bounded by a request count *and* a duration, refusing any host
that is not on the loopback network. It reports throughput and latency percentiles and
hands every response back to the caller so benchmarks can check correctness afterwards.
"""

from __future__ import annotations

import asyncio
import ipaddress
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Request:
    method: str
    path: str
    body: bytes = b""
    content_type: str = "application/x-www-form-urlencoded"
    tag: str = ""  # e.g. the email used, to check what was stored


@dataclass
class Result:
    started: float
    latency: float
    status: int
    tag: str
    location: str = ""


@dataclass
class Report:
    name: str
    results: list[Result] = field(default_factory=list)
    elapsed: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def throughput(self) -> float:
        return len(self.results) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        latencies = sorted(r.latency for r in self.results)
        if not latencies:
            return float("nan")
        index = min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))
        return latencies[index] * 1000

    def statuses(self) -> Counter[int]:
        return Counter(r.status for r in self.results)

    def line(self) -> str:
        return (
            f"{self.name:<22} {len(self.results):>7} req  {self.throughput:>8.0f} req/s  "
            f"p50 {self.percentile(50):6.1f} ms  p95 {self.percentile(95):6.1f} ms  "
            f"p99 {self.percentile(99):6.1f} ms  statuses {dict(self.statuses())}"
            + (f"  errors {dict(self.errors)}" if self.errors else "")
        )


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"refusing to load {host}: benchmarks only target loopback")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        key, _, value = line.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers


async def run(
    name: str,
    base_url: str,
    make_request: Callable[[int], Request],
    *,
    count: int,
    concurrency: int,
    duration: float,
    progress: bool = True,
) -> Report:
    """Send up to `count` requests with `concurrency` connections, for at most `duration` s."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    _check_loopback(host)
    report = Report(name)
    next_index = 0
    deadline = time.monotonic() + duration

    async def worker() -> None:
        nonlocal next_index
        reader = writer = None
        while next_index < count and time.monotonic() < deadline:
            index = next_index
            next_index += 1
            request = make_request(index)
            head = (
                f"{request.method} {request.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"User-Agent: groundswell-bench\r\nConnection: keep-alive\r\n"
            )
            if request.body or request.method == "POST":
                head += (
                    f"Content-Type: {request.content_type}\r\n"
                    f"Content-Length: {len(request.body)}\r\n"
                )
            payload = (head + "\r\n").encode() + request.body
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(payload)
                await writer.drain()
                assert reader is not None
                status, headers = await _read_response(reader)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as error:
                report.errors[type(error).__name__] += 1
                report.results.append(
                    Result(started, time.perf_counter() - started, 0, request.tag)
                )
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.01)
                continue
            report.results.append(
                Result(
                    started,
                    time.perf_counter() - started,
                    status,
                    request.tag,
                    headers.get("location", ""),
                )
            )
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    async def show_progress() -> None:
        while True:
            await asyncio.sleep(1)
            done = len(report.results)
            sys.stderr.write(f"\r  {name}: {done}/{count} requests … ")
            sys.stderr.flush()

    begin = time.perf_counter()
    ticker = asyncio.create_task(show_progress()) if progress else None
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    report.elapsed = time.perf_counter() - begin
    if ticker:
        ticker.cancel()
        sys.stderr.write("\r" + " " * 60 + "\r")
    return report
