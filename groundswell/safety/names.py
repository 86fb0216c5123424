"""Given names, from gender-guesser's packaged list (about 37,000, many countries) and our own
Devanagari list. Read once per process, on first use."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def given_names() -> frozenset[str]:
    """Given names as the list spells them (capitalised), e.g. "Gareth", "Precious"."""
    names = set()
    data = resources.files("gender_guesser") / "data" / "nam_dict.txt"
    with data.open(encoding="utf-8") as lines:
        for line in lines:
            # Comment and equivalence lines start with # and =; a name's letters are at
            # columns 3-29, and a + in them joins two spellings: those are left out.
            if line[:1] in "#=" or len(line) < 30:
                continue
            name = line[3:29].strip()
            if name and "+" not in name and " " not in name:
                names.add(name)
    return frozenset(names)
