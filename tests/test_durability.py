"""R1 in small: a spike through the real server while processes are killed.

bench/faults.py runs the full size (200,000 requests at 256 clients); this runs the same code
with a few thousand, so a regression in durability fails the build.
"""

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


def test_no_signature_is_lost_or_doubled_and_every_confirmation_arrives_once() -> None:
    import faults

    outcome = faults.run(requests=2500, concurrency=48, duration=120, drain_timeout=180)
    report = "\n".join(outcome.lines())
    assert outcome.kills[:2] and "web worker" in outcome.kills[0], report
    assert outcome.accepted > 2000, report  # the spike really ran through the kills
    assert outcome.lost == 0, report
    assert outcome.duplicates == 0, report
    assert outcome.accepted <= outcome.stored <= outcome.accepted + outcome.connection_errors
    assert outcome.unconfirmed_people == 0, report
    # At least once, and never more than the one message the server had taken when the
    # worker died, before it was recorded (the SMTP connections take turns to end a message);
    # the copy carries the same Message-ID, so the receiving server can drop it.
    assert outcome.worker_kills == 1, report
    assert outcome.emails_raw - outcome.emails_distinct <= outcome.worker_kills, report
    assert outcome.most_copies <= 2, report
