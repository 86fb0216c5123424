"""A page naming a hostile or bogus charset still gives a card (or a clear failure)."""

from __future__ import annotations

from typing import NoReturn

import pytest

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.lib import http
from groundswell.stories.models import LinkCardStatus, Story

PAGE = b'<html><head><meta property="og:title" content="River film +ADw-b+AD4-"></head></html>'


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html; charset=idna",  # a codec that raises even with errors="replace"
        "text/html; charset=undefined",  # a codec that always raises
        "text/html; charset=utf-7",  # would turn +ADw- into <
        "text/html; charset=rot13",  # not a text encoding at all
        "text/html; charset=no-such-codec",
        'text/html; charset="' + "x" * 500 + '"',
    ],
)
def test_a_hostile_header_charset_still_gives_a_ready_card(
    org: Organisation, owner: Membership, web_server: testing.LocalWebServer, content_type: str
) -> None:
    web_server.routes["/page"] = (200, {"Content-Type": content_type}, PAGE)
    story = testing.make_story(owner, link_url=web_server.url("/page"))
    card = Story.objects.get(pk=story.pk).link_card
    assert card is not None
    assert card.status == LinkCardStatus.READY, card.error
    # Read as utf-8: the utf-7 sequence stays literal text, never markup.
    assert card.title == "River film +ADw-b+AD4-"


@pytest.mark.parametrize("charset", [b"idna", b"unicode_escape", b"utf-7"])
def test_a_hostile_meta_charset_still_gives_a_ready_card(
    org: Organisation, owner: Membership, web_server: testing.LocalWebServer, charset: bytes
) -> None:
    body = b'<html><head><meta charset="' + charset + b'">' + PAGE[12:]
    body = body.replace(b"River film", b"River \\u0000film")
    web_server.routes["/page"] = (200, {"Content-Type": "text/html"}, body)
    story = testing.make_story(owner, link_url=web_server.url("/page"))
    card = Story.objects.get(pk=story.pk).link_card
    assert card is not None
    assert card.status == LinkCardStatus.READY, card.error
    assert "\x00" not in card.title and "<b>" not in card.title


def test_a_declared_meta_charset_is_honoured_when_it_is_a_real_one(
    org: Organisation, owner: Membership, web_server: testing.LocalWebServer
) -> None:
    body = b'<html><head><meta charset="windows-1252"><title>Caf\xe9 by the river</title>'
    web_server.routes["/page"] = (200, {"Content-Type": "text/html"}, body)
    story = testing.make_story(owner, link_url=web_server.url("/page"))
    card = Story.objects.get(pk=story.pk).link_card
    assert card is not None
    assert card.title == "Café by the river"


def test_a_nul_in_the_page_title_is_dropped_so_postgresql_can_store_the_card(
    org: Organisation, owner: Membership, web_server: testing.LocalWebServer
) -> None:
    web_server.routes["/page"] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        b"<html><head><title>River\x00 film</title></head></html>",
    )
    story = testing.make_story(owner, link_url=web_server.url("/page"))
    card = Story.objects.get(pk=story.pk).link_card
    assert card is not None
    assert (card.status, card.title) == (LinkCardStatus.READY, "River film")


def test_a_page_that_breaks_the_reader_fails_the_card_instead_of_leaving_it_pending(
    org: Organisation,
    owner: Membership,
    web_server: testing.LocalWebServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from groundswell.stories import tasks

    def broken(html: str, base_url: str) -> NoReturn:
        raise RecursionError("the parser gave up")

    monkeypatch.setattr(tasks, "read_page_metadata", broken)
    web_server.routes["/page"] = (200, {"Content-Type": "text/html"}, PAGE)
    story = testing.make_story(owner, link_url=web_server.url("/page"))
    card = Story.objects.get(pk=story.pk).link_card
    assert card is not None
    assert (card.status, card.error) == (LinkCardStatus.FAILED, "the page could not be read")


def test_response_text_never_raises_whatever_the_charset() -> None:
    for charset in ("idna", "undefined", "utf-16", "base64", "\x00", ""):
        response = http.Response(
            url="http://x/", status=200, headers={"content-type": f"text/plain; charset={charset}"}
        )
        response.content = b"\xff\xfeabc"
        assert isinstance(response.text, str)
