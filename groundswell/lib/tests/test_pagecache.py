import time
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from groundswell.accounts.models import User
from groundswell.actions.models import Petition
from groundswell.actions.services import recount
from groundswell.lib import pagecache


def test_anonymous_readers_share_one_copy_with_their_own_referral(
    client: Client, petition: Petition
) -> None:
    url = petition.campaign.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url + '?ref=abc"><script>&ch=whatsapp')
    assert len(queries) == 0  # served from the copy
    html = response.content.decode()
    assert 'name="ref" value="abc&quot;&gt;&lt;script&gt;"' in html
    assert 'name="ch" value="whatsapp"' in html
    assert response["Cache-Control"] == "public, max-age=1"
    # No share token looks like that: it is written into the page (escaped), not a cookie.
    assert "gs_ref" not in response.cookies
    token = client.get(url + "?ref=abc_D-9&ch=whatsapp")
    assert token.cookies["gs_ref"].value == "abc_D-9:whatsapp"
    plain = Client().get(url).content.decode()  # another reader, without that cookie
    assert 'name="ref" value=""' in plain  # nobody else's referral leaks into the copy


def test_signed_in_staff_always_get_a_fresh_page(
    client: Client, alice: User, petition: Petition
) -> None:
    url = petition.campaign.get_absolute_url()
    client.force_login(alice)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert len(queries) > 0
    assert "Staff area" in html


def test_the_count_on_the_copy_is_at_most_a_few_seconds_old(
    client: Client, petition: Petition, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = petition.campaign.get_absolute_url()
    assert "<strong>0</strong> confirmed" in client.get(url).content.decode()
    from groundswell.actions.models import PetitionTally

    PetitionTally.objects.filter(petition=petition).update(confirmed=7)
    assert "<strong>0</strong> confirmed" in client.get(url).content.decode()  # the copy
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + pagecache.SECONDS + 0.1)
    assert "<strong>7</strong> confirmed" in client.get(url).content.decode()
    recount(petition.pk)


class Wsgi:
    """Calls the real WSGI stack through pagecache.front, counting what reached Django."""

    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.inner = WSGIHandler()
        self.reached_django = 0

        def counted(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            self.reached_django += 1
            return self.inner(environ, start_response)

        self.app = pagecache.front(counted)

    def get(self, path: str, **headers: Any) -> tuple[int, list[tuple[str, str]], str]:
        from django.core.signals import request_started
        from django.db import close_old_connections
        from django.test import RequestFactory

        environ = RequestFactory().get(path, **headers).environ
        replies: list[tuple[str, list[tuple[str, str]]]] = []
        # As Django's test client does: keep the test's database connection open.
        request_started.disconnect(close_old_connections)
        try:
            body = b"".join(self.app(environ, lambda s, h, *e: replies.append((s, h))))
        finally:
            request_started.connect(close_old_connections)
        status, headers_list = replies[0]
        return int(status.split()[0]), headers_list, body.decode()


def header(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name.lower()]


def test_the_wsgi_front_answers_later_readers_before_django_with_the_same_headers(
    petition: Petition,
) -> None:
    wsgi = Wsgi()
    url = petition.campaign.get_absolute_url()
    status, first, _html = wsgi.get(url)
    assert status == 200 and wsgi.reached_django == 1
    status, later, html = wsgi.get(url + "?ref=tok123&ch=whatsapp")
    assert status == 200
    assert wsgi.reached_django == 1  # answered from the copy
    assert 'name="ref" value="tok123"' in html and 'name="ch" value="whatsapp"' in html
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                 "Referrer-Policy", "Vary", "Content-Language"):  # fmt: skip
        assert header(later, name) == header(first, name) != [], name
    assert header(later, "Content-Length") == [str(len(html.encode()))]
    assert header(later, "Cache-Control") == ["public, max-age=1"]
    assert any(c.startswith("gs_ref=tok123:whatsapp;") for c in header(later, "Set-Cookie"))
    _status, plain, plain_html = wsgi.get(url)
    assert 'name="ref" value=""' in plain_html and not header(plain, "Set-Cookie")


def test_the_wsgi_front_leaves_staff_other_hosts_and_stale_copies_to_django(
    petition: Petition, monkeypatch: pytest.MonkeyPatch
) -> None:
    wsgi = Wsgi()
    url = petition.campaign.get_absolute_url()
    wsgi.get(url)
    wsgi.get(url, HTTP_COOKIE="sessionid=abc")
    assert wsgi.reached_django == 2
    status, _headers, _html = wsgi.get(url, HTTP_HOST="evil.example")
    assert status == 400 and wsgi.reached_django == 3  # Django still checks the host
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + pagecache.SECONDS + 0.1)
    wsgi.get(url)
    assert wsgi.reached_django == 4


def test_the_wsgi_front_keeps_one_copy_per_language(petition: Petition, settings: Settings) -> None:
    settings.LANGUAGES = [("en", "English"), ("fr", "Français")]
    wsgi = Wsgi()
    url = petition.campaign.get_absolute_url()
    wsgi.get(url)
    _status, headers, _html = wsgi.get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert header(headers, "Content-Language") == ["fr"]
    assert wsgi.reached_django == 2
    _status, headers, _html = wsgi.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert header(headers, "Content-Language") == ["fr"] and wsgi.reached_django == 2


def test_the_shared_copy_carries_no_readers_referral_anywhere(
    client: Client, petition: Petition
) -> None:
    url = petition.campaign.get_absolute_url()
    mine = client.get(url + "?ref=alicetoken&ch=whatsapp").content.decode()
    assert 'name="ref" value="alicetoken"' in mine  # the reader's own page has it
    theirs = Client().get(url).content.decode()  # the next reader, served from the copy
    assert "alicetoken" not in theirs  # not even in the language form's way back


def test_malformed_requests_get_djangos_answer_not_a_crash(petition: Petition) -> None:
    wsgi = Wsgi()
    url = petition.campaign.get_absolute_url()
    wsgi.get(url)
    status, _headers, _html = wsgi.get(url + "?" + "&".join(f"f{n}=1" for n in range(1200)))
    assert status == 400
    status, _headers, _html = wsgi.get(url, HTTP_REFERER="http://[")
    assert status == 200


ACTIVITYPUB_ACCEPTS = [
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "application/json",
]


def test_a_request_that_prefers_json_is_never_answered_from_the_copy(petition: Petition) -> None:
    wsgi = Wsgi()
    url = petition.campaign.get_absolute_url()
    _status, first, _html = wsgi.get(url)
    wsgi.get(url)
    assert wsgi.reached_django == 1
    for reached, accept in enumerate(ACTIVITYPUB_ACCEPTS, start=2):
        wsgi.get(url, HTTP_ACCEPT=accept)
        assert wsgi.reached_django == reached, accept
    # A browser's Accept, with JSON in it at a lower weight, still gets the copy.
    browser = "text/html,application/xhtml+xml,application/json;q=0.5,*/*;q=0.8"
    _status, later, _html = wsgi.get(url, HTTP_ACCEPT=browser)
    assert wsgi.reached_django == len(ACTIVITYPUB_ACCEPTS) + 1
    for headers in (first, later):
        assert "Accept" in [v.strip() for v in header(headers, "Vary")[0].split(",")]


def test_the_copy_inside_django_says_it_varies_on_accept(
    client: Client, petition: Petition
) -> None:
    url = petition.campaign.get_absolute_url()
    client.get(url)
    response = client.get(url)
    assert "Accept" in [value.strip() for value in response["Vary"].split(",")]
