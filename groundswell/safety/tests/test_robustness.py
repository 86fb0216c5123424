"""The guard answers every text: it never raises, and its findings always hold together."""

import itertools
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.safety.guard import scan

# Text built from the pieces the rules look for, so the examples reach the rules' corners.
_PIECES = st.sampled_from(
    [
        "Gareth", "Pembleton", "Mr", "Dr.", "श्री", "राकेश", "तिवारी", "arrested", "गिरफ्तार",
        "victim", ", 9,", "(11)", "साल", "Primary", "07700 900123", "+44", "@", "a.b",
        "mail.example", "14", "Elm", "Grove", "LS6 2QT", "110092", "PIN", "KX68 PFA",
        "DL 3C AB 4471", "JT 48 26 91 B", "7260 1815 9082", "NHS", "born", "02/11/1990",
        "facebook.com/", "@x_y", ".", "।", "\n", " ", ",", "\u200d", "\U0001f600", "\x00",
    ]
)  # fmt: skip
_TEXTS = st.one_of(st.text(max_size=400), st.lists(_PIECES, max_size=60).map("".join))


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_any_text_gets_sorted_non_overlapping_findings_that_quote_it(text: str) -> None:
    findings = scan(text)
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
        assert finding.kind and finding.reason
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start


def test_a_long_text_takes_linear_time_not_quadratic() -> None:
    """Many names, addresses and numbers in one long text: each rule looks near each match,
    never back over the whole text. A quadratic rule takes minutes here; linear ones, about
    a second on a slow shared machine."""
    paragraph = (
        "Gareth Pembleton of 14 Elm Grove was arrested. मकान नंबर 1, गली नंबर 2 में "
        "राकेश तिवारी गिरफ्तार। Ring 07700 900123. "
    )
    text = paragraph * 800  # about 100,000 characters
    started = time.monotonic()
    findings = scan(text)
    assert len(findings) == 800 * 5
    assert time.monotonic() - started < 60
