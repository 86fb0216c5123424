"""`make demo` / `python -m groundswell demo`: where it runs is where its links point."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell.accounts.models import Organisation
from groundswell.testing import run_periodic


class FinishedProcess:
    returncode = 0

    def __init__(self, args: list[str], env: dict[str, str] | None) -> None:
        # The command always passes an environment; a missing one reads as empty.
        self.args, self.env = args, env if env is not None else {}

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[FinishedProcess]:
    started: list[FinishedProcess] = []

    def popen(
        args: list[str], env: dict[str, str] | None = None, **kwargs: object
    ) -> FinishedProcess:
        process = FinishedProcess(args, env)
        started.append(process)
        return process

    # The command's own subprocess module is this one.
    monkeypatch.setattr(subprocess, "Popen", popen)
    return started


def run_demo(settings: Settings, *args: str) -> str:
    # Through the settings fixture, so what the command sets is undone after the test.
    settings.SITE_URL = settings.SITE_URL
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_settings_derive_the_site_url_from_port_unless_site_url_is_set(tmp_path: Path) -> None:
    def site_url(**env: str) -> list[str]:
        environment = {**os.environ, "GROUNDSWELL_DATA_DIR": str(tmp_path), **env}
        if "SITE_URL" not in env:
            environment.pop("SITE_URL", None)
        code = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='groundswell.settings';"
            "from django.conf import settings;"
            "print(settings.SITE_URL, settings.CSRF_TRUSTED_ORIGINS[0])"
        )
        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code], env=environment, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert site_url(PORT="8123") == ["http://127.0.0.1:8123", "http://127.0.0.1:8123"]
    assert site_url(PORT="8123", HOST="0.0.0.0")  # noqa: S104 == ["http://127.0.0.1:8123"] * 2
    assert site_url(PORT="8123", SITE_URL="https://demo.example.org/")[0] == (
        "https://demo.example.org"
    )


def test_the_demo_on_port_8123_seeds_serves_and_prints_links_to_port_8123(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, launched: list[FinishedProcess], db: None
) -> None:
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("SITE_URL", raising=False)
    printed = run_demo(settings)

    assert settings.SITE_URL == "http://127.0.0.1:8123"
    # The demo's organisations are public without an operator.
    assert Organisation.objects.count() == 2
    assert not Organisation.objects.waiting().exists()
    web = next(p for p in launched if "granian" in p.args[0])
    worker = next(p for p in launched if p is not web)
    assert web.args[web.args.index("--port") + 1] == "8123"
    assert web.env["SITE_URL"] == worker.env["SITE_URL"] == "http://127.0.0.1:8123"
    assert "Groundswell demo is running at http://127.0.0.1:8123/\n" in printed
    assert "Staff sign-in: http://127.0.0.1:8123/accounts/login/" in printed
    # The mail owed for the seeded signatures (confirmation links) points at the demo too.
    run_periodic("send_confirmations")
    links = [line for m in mail.outbox for line in m.body.split() if "/confirm/" in line]
    assert links and all(link.startswith("http://127.0.0.1:8123/confirm/") for link in links)


def test_a_site_url_that_is_set_wins_and_the_listening_address_is_printed_too(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, launched: list[FinishedProcess], db: None
) -> None:
    monkeypatch.setenv("SITE_URL", "https://demo.example.org")
    settings.SITE_URL = "https://demo.example.org"
    printed = run_demo(settings, "--port", "8124", "--seed-only")
    assert launched == []
    printed = run_demo(settings, "--port", "8124")
    assert all(p.env["SITE_URL"] == "https://demo.example.org" for p in launched)
    assert "running at https://demo.example.org/ (listening on http://127.0.0.1:8124/)" in printed


def test_each_demo_person_signs_in_to_an_organisation_with_data_and_a_timeline(
    client: Client, db: None
) -> None:
    from groundswell.hub import demo
    from groundswell.moderation.models import ModerationItem
    from groundswell.syndication.models import ChannelAccount, ScheduledPost

    email, password = demo.seed()
    landings = {}
    for person in ["alice", "bob", "dana", "milo", "sami"]:
        client.logout()
        signed_in = client.post(
            reverse("accounts:login"),
            {"username": f"{person}@example.org", "password": password},
            follow=True,
        )
        landings[person] = signed_in.redirect_chain[-1][0]
        html = signed_in.content.decode()
        assert "No stories yet." not in html and "No campaigns yet." not in html, person
    assert email == "alice@example.org"
    assert landings["alice"] == "/staff/riverside-pantry/"
    assert landings["bob"] == "/staff/northgate-watch/"
    assert landings["dana"] == landings["milo"] == landings["sami"] == "/staff/riverside-pantry/"
    assert ChannelAccount.objects.filter(network="local").count() == 2
    assert ScheduledPost.objects.filter(account__network="local", state="scheduled").exists()
    # A reply from the fediverse shown under a story, and one the guard holds for a moderator.
    queue = client.get(reverse("moderation:queue", kwargs={"org": "riverside-pantry"}))
    assert "07700 900461" in queue.content.decode()
    shown = ModerationItem.objects.get(state="approved", kind="fediverse.reply")
    story_page = client.get(shown.fediverse_interaction.story.get_absolute_url())
    assert "count me in for the new fridge" in story_page.content.decode()
