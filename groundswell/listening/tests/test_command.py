"""`python -m groundswell monitors add` and `monitors poll`, against a real server."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from groundswell.accounts.models import Organisation
from groundswell.listening.models import Monitor

from . import feeds as samples
from .feedserver import FeedServer, static

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("monitors", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_add_reads_each_address_and_prints_the_feeds_found(
    org: Organisation, feeds: FeedServer
) -> None:
    page = samples.SITE_PAGE.format(atom="/comments.atom").encode()
    feeds.routes["/"] = static(page, "text/html")

    printed = run("add", org.slug, feeds.url("/"))

    first, second, third = Monitor.objects.order_by("pk")
    assert printed.splitlines() == [
        f"{feeds.url('/')}: monitor {first.pk}, Listening",
        f"  feed: {feeds.url('/feed/')}",
        f"  feed: {feeds.url('/comments.atom')}",
        f"  feed: {feeds.url('/feed.json')}",
    ]
    assert (second.url, third.url) == (feeds.url("/comments.atom"), feeds.url("/feed.json"))

    errors = io.StringIO()
    with pytest.raises(CommandError, match="Some addresses were not added"):
        call_command("monitors", "add", org.slug, feeds.url("/feed.json"), stderr=errors)
    assert errors.getvalue() == (
        f"{feeds.url('/feed.json')}: This organisation already listens to that address.\n"
    )


def test_poll_prints_one_line_per_due_monitor(org: Organisation, feeds: FeedServer) -> None:
    feeds.routes["/atom"] = static(samples.ATOM.encode(), "application/atom+xml")
    run("add", org.slug, feeds.url("/atom"))

    printed = run("poll")

    assert printed.splitlines() == [
        f"{feeds.url('/atom')}  listening  1 new",
        "Polled 1 monitors.",
    ]
    assert run("poll") == "No monitor is due.\n"


def test_add_refuses_an_unknown_organisation_and_a_private_address(org: Organisation) -> None:
    with pytest.raises(CommandError, match="No organisation"):
        run("add", "nobody", "https://news.example/")
    with pytest.raises(CommandError, match="Some addresses were not added"):
        run("add", org.slug, "http://10.0.0.1/feed")
    assert Monitor.objects.count() == 0
