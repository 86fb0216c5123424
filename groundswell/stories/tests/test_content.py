from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.lib.html import render_markdown
from groundswell.stories.models import LinkCardStatus, Story
from groundswell.stories.services import change_state


@pytest.fixture
def signed_in(client: Client, alice: User, org: Organisation) -> Client:
    client.force_login(alice)
    return client


class ElementCollector(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    for tag, attrs in ElementCollector(html).elements:
        assert tag not in {"script", "style", "iframe", "object", "embed", "form", "link"}, html
        assert not any(name.startswith("on") or name == "style" for name in attrs), html
        for name in ("href", "src"):
            value = attrs.get(name, "")
            assert value is not None, html
            assert not value.lower().startswith(("javascript:", "data:", "vbscript:")), html
        if tag == "img":
            assert (attrs.get("src") or "").startswith("/media/"), html


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "<style>body{display:none}</style>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" onclick="steal()">x</a>',
        "![tracker](https://evil.example/pixel.gif)",
        '<iframe src="https://evil.example"></iframe>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_markdown_cannot_inject_scripts_styles_or_third_party_images(markdown: str) -> None:
    assert_inert(render_markdown(markdown))


def test_our_own_media_images_are_allowed_in_markdown() -> None:
    html = render_markdown("![A volunteer](/media/stories/1/a.jpg)")
    assert '<img src="/media/stories/1/a.jpg" alt="A volunteer">' in html


def test_markdown_keeps_ordinary_formatting_and_marks_links() -> None:
    html = render_markdown("# Title\n\n**bold** and [a link](https://example.org)\n\n> quote")
    assert "<h2>Title</h2>" in html
    assert "<strong>bold</strong>" in html
    assert 'rel="nofollow noopener ugc"' in html
    assert "<blockquote>" in html


@hsettings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("<>\"'=/:()[]! abcjsvrtipemgonerx*#\n")), max_size=200)
)
def test_no_markdown_input_produces_an_active_element(text: str) -> None:
    assert_inert(render_markdown(text))


def test_a_story_written_in_the_form_is_sanitised_and_kept_as_a_draft(
    signed_in: Client, org: Organisation
) -> None:
    response = signed_in.post(
        reverse("stories:staff_new", args=[org.slug]),
        {
            "title": "Hello",
            "slug": "hello",
            "language": "en",
            "body": "Hi <script>alert('x')</script> **there**",
        },
    )
    assert response.status_code == 302
    story = Story.objects.get(slug="hello")
    assert story.state == "draft"
    assert "<script" not in story.body_html
    assert "<strong>there</strong>" in story.body_html


def test_preview_shows_the_rendered_body_without_saving(
    signed_in: Client, org: Organisation
) -> None:
    response = signed_in.post(
        reverse("stories:staff_new", args=[org.slug]),
        {"title": "Hello", "slug": "hello", "language": "en", "body": "**bold**", "preview": "1"},
    )
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.content.decode()
    assert not Story.objects.exists()


def test_a_duplicate_story_slug_keeps_the_typed_text(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    testing.make_story(owner, slug="same")
    response = signed_in.post(
        reverse("stories:staff_new", args=[org.slug]),
        {"title": "Another", "slug": "same", "language": "en", "body": "Typed with care"},
    )
    html = response.content.decode()
    assert "“same” is already used in this organisation" in html
    assert "Typed with care" in html
    assert Story.objects.count() == 1


def test_a_story_cannot_be_attached_to_another_organisations_campaign(
    signed_in: Client, org: Organisation, charlie: User
) -> None:
    from groundswell.accounts.models import Membership

    theirs = testing.make_campaign(Membership.objects.get(user=charlie))
    response = signed_in.post(
        reverse("stories:staff_new", args=[org.slug]),
        {"title": "Hi", "slug": "hi", "language": "en", "campaign": theirs.pk},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Story.objects.exists()


def test_images_need_alt_text_are_resized_and_become_the_cover(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    story = testing.make_story(owner)
    url = reverse("stories:staff_image_add", args=[org.slug, story.pk])
    image = SimpleUploadedFile("p.png", testing.image_bytes(size=(3000, 2000)), "image/png")
    response = signed_in.post(url, {"image": image, "alt_text": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert story.images.count() == 0
    image.seek(0)
    response = signed_in.post(url, {"image": image, "alt_text": "Volunteers at the river"})
    assert response.status_code == 302
    stored = story.images.get()
    assert (stored.width, stored.height) == (1600, 1067)
    story.refresh_from_db()
    assert story.cover == stored


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (b"%PDF-1.4 not an image", "doc.pdf", "This file is not an image we can read."),
        (b"GIF89a" + b"\x00" * 20, "broken.gif", "This file is not an image we can read."),
    ],
)
def test_non_images_are_refused(
    signed_in: Client,
    org: Organisation,
    owner: Membership,
    payload: bytes,
    name: str,
    message: str,
) -> None:
    story = testing.make_story(owner)
    response = signed_in.post(
        reverse("stories:staff_image_add", args=[org.slug, story.pk]),
        {"image": SimpleUploadedFile(name, payload), "alt_text": "x"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert story.images.count() == 0


def test_an_image_bomb_is_refused(
    signed_in: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    settings.MAX_IMAGE_PIXELS = 1000
    story = testing.make_story(owner)
    response = signed_in.post(
        reverse("stories:staff_image_add", args=[org.slug, story.pk]),
        {
            "image": SimpleUploadedFile("b.png", testing.image_bytes(size=(100, 100))),
            "alt_text": "x",
        },
    )
    assert response.status_code == 400
    assert story.images.count() == 0


def test_a_link_card_is_fetched_through_our_client_with_its_image_copied(
    org: Organisation, owner: Membership, web_server: testing.LocalWebServer, client: Client
) -> None:
    web_server.routes["/video"] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        b'<html><head><title>Fallback</title><meta property="og:title" content="River film">'
        b'<meta property="og:image" content="/thumb.png">'
        b'<meta property="og:site_name" content="Example Video"></head></html>',
    )
    web_server.routes["/thumb.png"] = (200, {"Content-Type": "image/png"}, testing.image_bytes())
    story = testing.make_story(owner, link_url=web_server.url("/video"))
    card = Story.objects.get(pk=story.pk).link_card
    assert card is not None
    assert card.status == LinkCardStatus.READY
    assert card.title == "River film"
    assert card.site_name == "Example Video"
    assert card.image.name
    change_state(owner, story, "publish")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "River film" in html
    assert web_server.url("/thumb.png") not in html  # the image is served from our media


def test_links_to_private_addresses_are_refused_in_the_form(
    signed_in: Client, org: Organisation
) -> None:
    for url in ["http://10.0.0.5/admin", "http://192.168.1.1/", "http://169.254.169.254/meta"]:
        response = signed_in.post(
            reverse("stories:staff_new", args=[org.slug]),
            {"title": "T", "slug": "t", "language": "en", "link_url": url},
        )
        assert "Links to private or local network addresses are not allowed." in (
            response.content.decode()
        ), url
    assert not Story.objects.exists()


def test_a_loopback_link_is_never_fetched_when_loopback_is_not_allowed(
    org: Organisation, owner: Membership, web_server: testing.LocalWebServer, settings: Settings
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    story = testing.make_story(owner)
    from groundswell.stories.services import update_story

    with pytest.raises(Exception):  # noqa: B017 - the form refuses; the service double-checks
        from groundswell.lib.http import check_url

        check_url(web_server.url("/x"))
    update_story(owner, story, {"link_url": web_server.url("/x")})
    story.refresh_from_db()
    assert story.link_card is not None
    assert story.link_card.status == LinkCardStatus.REFUSED
    assert web_server.requests == []


def test_unknown_stories_and_organisations_are_404(client: Client, org: Organisation) -> None:
    assert client.get("/o/alices/stories/nope/").status_code == 404
    assert client.get("/o/nobody/stories/nope/").status_code == 404
    assert client.get("/o/nobody/").status_code == 404


def _byline(html: str) -> str:
    start = html.index('class="muted byline"')
    return html[html.index(">", start) + 1 : html.index("</p>", start)]


def test_the_preview_of_an_undated_story_starts_its_byline_with_the_author(
    signed_in: Client, owner: Membership
) -> None:
    story = testing.make_story(owner)
    assert story.published_at is None
    response = signed_in.get(
        reverse("stories:staff_preview", args=[owner.organisation.slug, story.pk])
    )
    assert response.status_code == 200
    assert _byline(response.content.decode()) == "Alice Owner"


class RecordingDNS:
    """getaddrinfo that answers 127.0.0.1 for every name and remembers each one asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import socket

        self.asked: list[str] = []

        def getaddrinfo(
            host: str, port: int, *args: object, **kwargs: object
        ) -> list[tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[str, int]]]:
            self.asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_the_link_form_makes_no_dns_lookup_and_the_worker_refuses_a_name_that_is_loopback(
    signed_in: Client,
    org: Organisation,
    web_server: testing.LocalWebServer,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    from groundswell.stories import tasks

    settings.HTTP_ALLOW_LOOPBACK = False
    queued: list[int] = []
    real_task = tasks.fetch_link_card
    # The test task backend runs tasks inside the request; the worker's fetch is run below.
    monkeypatch.setattr(tasks, "fetch_link_card", SimpleNamespace(enqueue=queued.append))
    dns = RecordingDNS(monkeypatch)
    port = web_server.server.server_address[1]
    link = f"http://news.example.org:{port}/story"

    response = signed_in.post(
        reverse("stories:staff_new", args=[org.slug]),
        {"title": "T", "slug": "t", "language": "en", "link_url": link},
    )
    assert response.status_code == 302
    assert dns.asked == []
    story = Story.objects.get()
    assert story.link_url == link
    card = story.link_card
    assert card is not None
    assert queued == [card.pk]

    real_task.call(card.pk)
    card.refresh_from_db()
    assert dns.asked == ["news.example.org"]
    assert card.status == LinkCardStatus.REFUSED
    assert card.error == "the address is private or local and is never fetched"
    assert web_server.requests == []
    page = signed_in.get(reverse("stories:staff_edit", args=[org.slug, story.pk])).content
    assert b"the address is private or local and is never fetched" in page


def test_a_literal_private_link_is_refused_in_the_form_without_a_lookup(
    signed_in: Client, org: Organisation, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    dns = RecordingDNS(monkeypatch)
    for url in ["http://127.0.0.1/", "http://10.0.0.1/", "http://intranet.internal/"]:
        response = signed_in.post(
            reverse("stories:staff_new", args=[org.slug]),
            {"title": "T", "slug": "t", "language": "en", "link_url": url},
        )
        assert response.status_code == 200, url
        assert "Links to private or local network addresses are not allowed." in (
            response.content.decode()
        ), url
    assert dns.asked == []
    assert not Story.objects.exists()
