"""FEDERATION_CONTACT_URL: what other servers' operators see in our User-Agent and NodeInfo."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from groundswell.lib import http
from groundswell.lib.siteurl import contact_url

SITE = "https://rivers.org.uk"


def test_unset_it_is_the_site_itself() -> None:
    assert contact_url("", SITE) == "https://rivers.org.uk/"
    assert contact_url("  ", SITE + "/") == "https://rivers.org.uk/"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("https://rivers.org.uk/contact", "https://rivers.org.uk/contact"),
        ("mailto:fediverse@rivers.org.uk", "mailto:fediverse@rivers.org.uk"),
        ("fediverse@rivers.org.uk", "mailto:fediverse@rivers.org.uk"),
    ],
)
def test_an_address_or_an_email_is_kept(raw: str, kept: str) -> None:
    assert contact_url(raw, SITE) == kept


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("https://groundswell.invalid/bot", "placeholder"),
        ("https://www.example.com/", "placeholder"),
        ("mailto:ops@example.org", "placeholder"),
        ("admin@mail.test", "placeholder"),
        ("ftp://rivers.org.uk/", "http"),
        ("rivers.org.uk", "http"),
        ("https:///nohost", "http"),
        ("https://rivers.org.uk:99999/", "http"),
        ("mailto:@rivers.org.uk", "email"),
        ("mailto:a b@rivers.org.uk", "email"),
        ("mailto:ops@localhostonly", "email"),
    ],
)
def test_a_bad_or_placeholder_value_is_refused_with_a_message(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        contact_url(raw, SITE)


def test_settings_refuse_to_start_with_a_bad_contact() -> None:
    env = {**os.environ, "FEDERATION_CONTACT_URL": "https://groundswell.invalid/"}
    done = subprocess.run(
        [sys.executable, "-c", "import groundswell.settings"],
        env=env,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode != 0
    assert b"ImproperlyConfigured" in done.stderr
    assert b"placeholder domain" in done.stderr


def test_the_user_agent_names_the_contact(settings: SettingsWrapper) -> None:
    settings.FEDERATION_CONTACT_URL = "mailto:fediverse@rivers.org.uk"
    assert http.user_agent() == "Groundswell/0.1 (+mailto:fediverse@rivers.org.uk)"
    assert "invalid" not in http.user_agent()
