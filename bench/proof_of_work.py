"""How long the sign form's proof of work takes a browser (the figure behind EXPECTED_TRIES).

    .venv/bin/python bench/proof_of_work.py                 # 60 solves, throttled 4x
    .venv/bin/python bench/proof_of_work.py --solves 100 --throttle 6

Debian's chromium (headless) runs groundswell/static/groundswell/proof-worker.js as the
sign form does, in a Web Worker, and on the page's own thread. It prints the SHA-256 tries a
second of each, then solves `--solves` fresh challenges at the real difficulty
(lib/proofofwork.py) on the page's thread with the CPU slowed down `--throttle` times
through the DevTools protocol (Lighthouse slows a desktop down 4x to stand in for a
mid-range phone; the slowdown reaches the page's thread, so that is where a phone is
modelled), with the mean, median, 90th and 99th percentile and the slowest, and checks
each solution with the server's own `check()`. Nothing here is a test; nothing touches the
network (the page and the script are served from memory).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")

import django

django.setup()

from playwright.sync_api import Route, sync_playwright

from groundswell.lib import proofofwork

FOREVER = "for (var counter = 0; ; counter++) {"
COUNTED = 400_000
WORKER = ROOT / "groundswell" / "static" / "groundswell" / "proof-worker.js"
ORIGIN = "http://bench.invalid"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
# The worker's code on the page's thread: its postMessage calls go to a list.
MAIN_THREAD = """
async ({source, challenges}) => {
  const solve = new Function("postMessage", source + "; return solve;")(() => {});
  const times = [], proofs = [];
  for (const [challenge, nonce] of challenges) {
    const started = performance.now();
    proofs.push(solve(challenge, nonce));
    times.push(performance.now() - started);
  }
  return {times, proofs};
}
"""
WORKER_RATE = """
async (seconds) => {
  const worker = new Worker("/proof-worker.js");
  let tries = 0;
  worker.onmessage = (event) => { if (event.data.tries) tries = event.data.tries; };
  // A difficulty no counter reaches in time: it only counts.
  worker.postMessage({challenge: "0.4294967295.AAAAAAAAAAAAAAAA:x", nonce: "0123456789abcdef"});
  await new Promise((done) => setTimeout(done, seconds * 1000));
  worker.terminate();
  return tries / seconds;
}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--solves", type=int, default=60)
    parser.add_argument("--throttle", type=float, default=4.0)
    options = parser.parse_args()
    source = WORKER.read_text()
    assert FOREVER in source, "the worker's loop changed: update this script"
    print(f"command: {' '.join(sys.argv)}")
    print(f"difficulty: {proofofwork.EXPECTED_TRIES:,} expected tries")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()

        def serve(route: Route) -> None:
            if route.request.url.endswith("/proof-worker.js"):
                route.fulfill(body=source, content_type="text/javascript")
            else:
                route.fulfill(body="<!doctype html><title>bench</title>", content_type="text/html")

        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        worker_rate = page.evaluate(WORKER_RATE, 3)
        print(f"Web Worker, not throttled: {worker_rate:,.0f} tries/s")
        # Three rounds: the first warms the JIT up, the best of the other two counts.
        rate_challenge = [["0.4294967295.AAAAAAAAAAAAAAAA:x", "0123456789abcdef"]] * 3
        cdp = page.context.new_cdp_session(page)
        for rate in (1.0, options.throttle):
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            # COUNTED tries of a search that never succeeds, stopped by a cap on the counter.
            capped = source.replace(
                FOREVER, f"for (var counter = 0; counter < {COUNTED}; counter++) {{"
            )
            found = page.evaluate(MAIN_THREAD, {"source": capped, "challenges": rate_challenge})
            per_second = COUNTED / min(found["times"][1:]) * 1000
            print(f"page thread, CPU slowed {rate:g}x: {per_second:,.0f} tries/s")
        expected = proofofwork.EXPECTED_TRIES / per_second
        print(f"so a solve takes {expected:.2f} s on average at {options.throttle:g}x")
        challenges = [proofofwork.new_challenge() for _ in range(options.solves)]
        nonces = [os.urandom(8).hex() for _ in challenges]
        found = page.evaluate(
            MAIN_THREAD,
            {"source": source, "challenges": list(zip(challenges, nonces, strict=True))},
        )
        for challenge, proof in zip(challenges, found["proofs"], strict=True):
            proofofwork.check(challenge, proof)  # raises if the browser got it wrong
        times = sorted(t / 1000 for t in found["times"])
        tries = statistics.mean(int(proof.split(".")[1]) + 1 for proof in found["proofs"])
        print(
            f"{len(times)} solves, CPU slowed {options.throttle:g}x (all checked by the server): "
            f"mean {statistics.mean(times):.2f} s, median {statistics.median(times):.2f} s, "
            f"p90 {statistics.quantiles(times, n=10)[8]:.2f} s, slowest {times[-1]:.2f} s, "
            f"over 5 s: {sum(t > 5 for t in times)}; mean tries {tries:,.0f}"
        )
        print(f"at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        browser.close()


if __name__ == "__main__":
    main()
