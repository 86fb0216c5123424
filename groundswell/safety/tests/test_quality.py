"""The guard's measured quality on its labelled set (data/README.md), as docs/safety.md
reports it: `python -m groundswell.safety.tests.quality` prints the full table."""

import pytest

from .labelled import PARTS, Span, evaluate, load, parse_line


def test_the_loader_turns_marks_into_spans_of_the_clean_text() -> None:
    lang, text, spans = parse_line("hi | [[named_person|राकेश]] ने [[phone|98765 43210]] दिया")
    assert lang == "hi"
    assert text == "राकेश ने 98765 43210 दिया"
    assert spans == (Span("named_person", 0, 5), Span("phone", 9, 20))
    assert [text[s.start : s.end] for s in spans] == ["राकेश", "98765 43210"]


def test_the_set_is_big_enough_and_hindi_enough() -> None:
    heldout, tuning = (load(part) for part in PARTS)
    everything = heldout + tuning
    assert len(heldout) >= 100
    assert len(everything) >= 300
    assert sum(s.lang == "hi" for s in everything) / len(everything) >= 0.15
    # Positives and negatives both, in each part.
    for part in (heldout, tuning):
        flagged = sum(bool(s.spans) for s in part)
        assert 0.3 < flagged / len(part) < 0.7


def test_the_held_out_part_meets_the_issue_bar_per_text() -> None:
    report = evaluate(load("heldout"))
    assert report.per_text.recall >= 0.9, report.misses
    assert report.per_text.precision >= 0.8, report.misses


@pytest.mark.parametrize("part", PARTS)
def test_hindi_alone_meets_the_bar_per_text(part: str) -> None:
    report = evaluate(s for s in load(part) if s.lang == "hi")
    assert report.per_text.recall >= 0.9, report.misses
    assert report.per_text.precision >= 0.8, report.misses
