from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One span of a scanned text that the guard flags.

    `kind` is a stable machine name ("phone", "email", "named_person", ...), `start` and
    `end` are character offsets into the scanned text with `text == scanned[start:end]`, and
    `reason` is a short translated sentence for staff.
    """

    kind: str
    start: int
    end: int
    text: str
    reason: str
