"""Hashed static file names and the year-long caching granian gives them; short for media."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.signals import request_started
from django.test import Client
from playwright.sync_api import BrowserContext
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts.models import Organisation
from groundswell.hub.management.commands.serve import STATIC_MAX_AGE, granian_command
from groundswell.lib.media import MEDIA_MAX_AGE

MANIFEST = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}


@pytest.fixture
def collected(settings: Settings, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """collectstatic with the production storage into a fresh STATIC_ROOT."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST}
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())
    return settings.STATIC_ROOT, manifest["paths"]


def test_outside_the_test_run_the_settings_choose_hashed_names() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "PLAIN_STATIC_FILES"}
    environment["DJANGO_SETTINGS_MODULE"] = "groundswell.settings"
    code = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == MANIFEST["BACKEND"]


def test_production_uses_hashed_names_and_pages_link_to_them(
    client: Client, collected: tuple[Path, dict[str, str]], org: Organisation
) -> None:
    root, paths = collected
    hashed = paths["groundswell/site.css"]
    assert hashed.startswith("groundswell/site.") and hashed != "groundswell/site.css"
    assert (root / hashed).is_file()
    html = client.get("/o/alices/").content.decode()
    assert f'href="/static/{hashed}"' in html


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def granian(env: dict[str, str] | None = None) -> Iterator[str]:
    """A real `serve` command line on a free port; yields its base URL once it answers."""
    port = free_port()
    command = granian_command("127.0.0.1", port, 1, 1)
    server = subprocess.Popen(  # noqa: S603 - our own command line
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def get(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, Message, bytes]:
    """(status, headers, body), for error statuses too."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_granian_lets_browsers_keep_static_files_for_a_year(
    collected: tuple[Path, dict[str, str]],
) -> None:
    root, paths = collected
    command = granian_command("127.0.0.1", free_port(), 1, 1)
    assert command[command.index("--static-path-expires") + 1] == str(STATIC_MAX_AGE)
    assert STATIC_MAX_AGE >= 365 * 24 * 3600
    with granian() as base:
        status, headers, body = get(f"{base}/static/{paths['groundswell/site.css']}")
    assert status == 200
    assert headers["Cache-Control"] == f"max-age={STATIC_MAX_AGE}"
    assert body == (root / paths["groundswell/site.css"]).read_bytes()


def test_serve_lets_caches_keep_media_files_briefly_and_forgets_withdrawn_ones(
    collected: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    picture = data / "media" / "stories" / "1" / "a-random-token" / "photo.jpg"
    picture.parent.mkdir(parents=True)
    picture.write_bytes(b"\xff\xd8 not really a jpeg")
    (data / "secret_key").write_text("k" * 50)
    url_path = "/media/stories/1/a-random-token/photo.jpg"
    with granian({"GROUNDSWELL_DATA_DIR": str(data)}) as base:
        status, headers, body = get(base + url_path)
        assert status == 200
        assert headers["Cache-Control"] == f"public, max-age={MEDIA_MAX_AGE}"
        assert MEDIA_MAX_AGE <= 3600
        assert headers["Content-Type"] == "image/jpeg"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert body == picture.read_bytes()

        status, _, body = get(base + url_path, method="HEAD")
        assert (status, body) == (200, b"")
        again = get(base + url_path, {"If-Modified-Since": headers["Last-Modified"]})
        assert again[0] == 304

        picture.unlink()  # what withdrawing a story's image does
        assert get(base + url_path)[0] == 404
        assert get(base + "/media/stories/../../secret_key")[0] == 404
        assert get(base + "/media/%2e%2e/secret_key")[0] == 404


@pytest.mark.browser
def test_a_page_names_its_icon_so_the_browser_never_asks_django_for_favicon_ico(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], org: Organisation
) -> None:
    """Browsers ask for /favicon.ico after every page that names no icon: a request Django
    answered with its 404 page, beside whatever the reader did next (a page from the page
    copy included, under a spike). The browser's own icon fetch is not one of the page's
    requests, so what reached Django is noted on Django's side."""
    reached: list[str] = []

    def note(sender: object, environ: dict[str, str], **kwargs: object) -> None:
        reached.append(environ["PATH_INFO"])

    request_started.connect(note)
    try:
        page = new_context(viewport={"width": 360, "height": 740}).new_page()
        icons: list[int] = []
        page.on("response", lambda r: icons.append(r.status) if "icon" in r.url else None)
        page.goto(f"{live_server.url}/o/alices/")
        page.wait_for_load_state("load")
        # Long enough for the browser's icon request, which comes after the load event.
        page.wait_for_timeout(1500)
    finally:
        request_started.disconnect(note)
    assert "/o/alices/" in reached  # the note sees what reaches Django
    assert "/favicon.ico" not in reached, reached
    assert icons == [200]
