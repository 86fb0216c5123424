"""Hashed static file names and the year-long caching granian gives them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.management import call_command

from groundswell.hub.management.commands.serve import STATIC_MAX_AGE, granian_command

MANIFEST = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic with the production storage into a fresh STATIC_ROOT."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST}
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())
    return settings.STATIC_ROOT, manifest["paths"]


def test_outside_the_test_run_the_settings_choose_hashed_names():
    environment = {k: v for k, v in os.environ.items() if k != "PLAIN_STATIC_FILES"}
    environment["DJANGO_SETTINGS_MODULE"] = "groundswell.settings"
    code = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == MANIFEST["BACKEND"]


def test_production_uses_hashed_names_and_pages_link_to_them(client, collected, org):
    root, paths = collected
    hashed = paths["groundswell/site.css"]
    assert hashed.startswith("groundswell/site.") and hashed != "groundswell/site.css"
    assert (root / hashed).is_file()
    html = client.get("/o/alices/").content.decode()
    assert f'href="/static/{hashed}"' in html


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_granian_lets_browsers_keep_static_files_for_a_year(collected, settings):
    root, paths = collected
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = granian_command("127.0.0.1", port, 1, 1)
    assert command[command.index("--static-path-expires") + 1] == str(STATIC_MAX_AGE)
    assert STATIC_MAX_AGE >= 365 * 24 * 3600
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        url = f"http://127.0.0.1:{port}/static/{paths['groundswell/site.css']}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                    cache_control = response.headers["Cache-Control"]
                    body = response.read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert cache_control == f"max-age={STATIC_MAX_AGE}"
    assert body == (root / paths["groundswell/site.css"]).read_bytes()
