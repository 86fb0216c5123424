"""A real SMTP server on 127.0.0.1 that notes when each message arrived (for bench/p7.py).

    python bench/smtp_sink.py --port 2525 --out arrivals.txt

Each accepted message adds one line to --out: the arrival time (CLOCK_MONOTONIC, which is
the same clock in every process on the machine, so the load generator's send times compare
with it), the Message-ID and the recipient. It runs in a process of its own so that its
CPU can be measured apart from the worker's. Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = open(args.out, "w", buffering=1)  # noqa: SIM115 - open for the server's life

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            arrived = time.monotonic()
            message_id = "-"
            for line in envelope.content.split(b"\r\n"):
                if line.lower().startswith(b"message-id:"):
                    message_id = line.split(b":", 1)[1].strip().decode()
                    break
                if not line:
                    break
            for recipient in envelope.rcpt_tos:
                out.write(f"{arrived:.6f} {message_id} {recipient}\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    out.close()


if __name__ == "__main__":
    main()
