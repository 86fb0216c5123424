"""The guard's labelled set (data/README.md) and its per-text and per-span scores."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from groundswell.safety.allowlist import Allowlist, fold
from groundswell.safety.guard import scan

DATA = Path(__file__).parent / "data"
PARTS = ("heldout", "tuning")
# Written after the rules to find where they fail; measured, never tuned on or asserted.
PROBE = "probe"
_MARK = re.compile(r"\[\[(\w+)\|(.+?)\]\]")

# The organisation the set is scanned for (data/README.md).
ALLOWLIST = Allowlist(
    names=frozenset(
        fold(name)
        for name in ("Riverwatch Trust", "रिवरवॉच ट्रस्ट", "Helen Marsh", "Rajesh Verma", "राजेश वर्मा")
    ),
    domains=frozenset({"riverwatch.example"}),
)

# A person is one thing whichever reason flags them; the kind only changes the reason.
_PERSON = {"named_person", "child", "victim"}


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Sample:
    part: str
    lang: str
    text: str
    spans: tuple[Span, ...]


def parse_line(line: str) -> tuple[str, str, tuple[Span, ...]]:
    """`LANG | text with [[kind|marks]]` → (lang, clean text, spans in the clean text)."""
    lang, marked = line.split(" | ", 1)
    text, spans, taken = [], [], 0
    for match in _MARK.finditer(marked):
        text.append(marked[taken : match.start()])
        start = sum(map(len, text))
        text.append(match.group(2))
        spans.append(Span(match.group(1), start, start + len(match.group(2))))
        taken = match.end()
    text.append(marked[taken:])
    return lang.strip(), "".join(text), tuple(spans)


def load(part: str) -> list[Sample]:
    samples = []
    for line in (DATA / f"{part}.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, text, spans = parse_line(line)
            samples.append(Sample(part, lang, text, spans))
    return samples


def _same(kind: str, other: str) -> bool:
    return kind == other or (kind in _PERSON and other in _PERSON)


@dataclass
class Score:
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0

    @property
    def precision(self) -> float:
        flagged = self.true_pos + self.false_pos
        return self.true_pos / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0


@dataclass
class Report:
    texts: int
    per_text: Score
    per_span: Score
    misses: list[str]


def evaluate(samples: Iterable[Sample]) -> Report:
    """Per text, a text counts as flagged when the guard finds anything in it. Per span, a
    finding is right when it overlaps a labelled span of the same kind (the three kinds of
    person counting as one), and each labelled span is found or missed once."""
    per_text, per_span, misses, count = Score(), Score(), [], 0
    for sample in samples:
        count += 1
        findings = scan(sample.text, allowlist=ALLOWLIST)
        if findings and sample.spans:
            per_text.true_pos += 1
        elif findings:
            per_text.false_pos += 1
        elif sample.spans:
            per_text.false_neg += 1
        for finding in findings:
            if any(
                _same(finding.kind, span.kind)
                and finding.start < span.end
                and span.start < finding.end
                for span in sample.spans
            ):
                per_span.true_pos += 1
            else:
                per_span.false_pos += 1
                misses.append(f"extra {finding.kind} {finding.text!r}: {sample.text}")
        for span in sample.spans:
            if not any(
                _same(finding.kind, span.kind)
                and finding.start < span.end
                and span.start < finding.end
                for finding in findings
            ):
                per_span.false_neg += 1
                wanted = sample.text[span.start : span.end]
                misses.append(f"missed {span.kind} {wanted!r}: {sample.text}")
    return Report(count, per_text, per_span, misses)
