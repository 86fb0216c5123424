"""What a signature's referrer tells analytics, read in the worker: never a failure."""

from __future__ import annotations

from groundswell.actions.analytics import signature_dims


def dims_of(url: str, source: str = "") -> tuple[str, str, str]:
    found = signature_dims(1, 2, 3, source, {"url": url}, {})
    return found.channel, found.utm_source, found.utm_campaign


def test_a_tagged_link_gives_its_utm_fields() -> None:
    url = "https://x.example/o/a/p/3/?utm_source=Newsletter&utm_medium=email&utm_campaign=dec"
    assert dims_of(url)[1:] == ("newsletter", "dec")


def test_a_link_with_more_fields_than_any_tag_reads_as_untagged_not_as_an_error() -> None:
    # parse_qs refuses more than max_num_fields with a ValueError; that stopped the roll-up.
    crowded = "https://x.example/o/a/p/3/?" + "&".join(f"f{n}=v" for n in range(40))
    assert dims_of(crowded + "&utm_source=spam")[1:] == ("", "")
    assert dims_of("https://[broken/?utm_source=x")[1:] == ("", "")
