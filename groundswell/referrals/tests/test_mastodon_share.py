"""The "share to Mastodon" page sends people to their own server, and nowhere else."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from groundswell.testing import ClientResponse

URL = "/share/mastodon/"


def assert_safe(response: ClientResponse) -> str | None:
    """Either a clear 400, or a redirect to https://<one plain host>/share and nothing else."""
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        # A NUL anywhere in the address is refused before any view, with its own reason.
        page = response.content.decode()
        assert "Type just the server" in page or "contains a NUL character (%00)" in page
        return None
    location = response["Location"]
    assert location.startswith("https://"), location
    assert not any(char in location for char in "\\\r\n\t @"), location
    parts = urlsplit(location)
    assert parts.scheme == "https" and parts.path == "/share", location
    assert parts.username is None and parts.password is None and parts.port is None, location
    host = parts.hostname or ""
    assert "." in host and host == parts.netloc, location
    assert all(label and len(label) <= 63 for label in host.split(".")), location
    assert not host.replace(".", "").isdigit(), location
    return host


@pytest.mark.parametrize(
    "instance",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)//mastodon.social",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example",
        "///evil.example",
        "https://evil.example/path?x=1",
        "https:/\\evil.example",
        "\\\\evil.example",
        "evil.example\\@mastodon.social",
        "mastodon.social\\evil.example",
        "mastodon.social@evil.example:443",
        "user:pass@evil.example",
        "mastodon.social:8080",
        "mastodon.social/../../evil",
        "mastodon.social#@evil.example",
        "mastodon.social?next=//evil.example",
        "mastodon.social%2f%2fevil.example",
        "evil.example\n/",
        "evil.example\r\nSet-Cookie: a=b",
        "127.0.0.1",
        "[::1]",
        "0x7f.1",
        "localhost",
        "mastodon..social",
        ".mastodon.social",
        "-bad-.example",
        "a" * 64 + ".example",
        "",
        "@",
        "@ana@",
    ],
)
def test_a_hostile_instance_gets_a_clear_400_never_a_redirect_elsewhere(
    client: Client, instance: str
) -> None:
    response = client.get(URL, {"instance": instance, "text": "Sign!"})
    assert response.status_code == 400, response.get("Location")
    assert "Type just the server" in response.content.decode()


@pytest.mark.parametrize(
    ("instance", "host"),
    [
        ("mastodon.social", "mastodon.social"),
        ("  Toot.Community  ", "toot.community"),
        ("https://mastodon.social/", "mastodon.social"),
        ("@ana@mastodon.social", "mastodon.social"),
        ("ana@mastodon.social", "mastodon.social"),
        ("mastodon.social.", "mastodon.social"),
        ("xn--mstodon-5wa.example", "xn--mstodon-5wa.example"),
        ("mästodon.example", "xn--mstodon-5wa.example"),
    ],
)
def test_what_people_type_for_their_server_is_understood(
    client: Client, instance: str, host: str
) -> None:
    response = client.get(URL, {"instance": instance, "text": "Sign “this” & share"})
    assert assert_safe(response) == host
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query == {"text": ["Sign “this” & share"]}


# Among them a fullwidth A and a fullwidth full stop, which IDNA may fold into ASCII.
PIECES = [
    "mastodon.social", "evil.example", "a", "b", "0", ".", "-", "@", ":", "/", "//", "\\",
    "?", "#", "%2f", "[", "]", " ", "\t", "\r", "\n", "x", "é", "\u200b", "\uff21", "\uff0e",
    "javascript:", "https://", "http://", "xn--", "127.0.0.1", ":443", "@ana@",
]  # fmt: skip


@hsettings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    instance=st.one_of(
        st.lists(st.sampled_from(PIECES), max_size=8).map("".join), st.text(max_size=40)
    ),
    text=st.text(max_size=60),
)
def test_no_input_leads_anywhere_but_a_server_share_page(
    client: Client, instance: str, text: str
) -> None:
    # The client keeps no state between examples here: no session, no cookies are set.
    response = client.get(URL, {"instance": instance, "text": text})
    assert_safe(response)
