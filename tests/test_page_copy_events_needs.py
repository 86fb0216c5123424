"""The event page and the volunteer need page are served from the page copy as the campaign
page is (docs/decisions/0002, lib/pagecache.py): a later anonymous reader is answered before
Django runs, with their own referral written in, and the places on the copy are counted
afresh once it is a second old."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events.tests.conftest import make_event
from groundswell.lib import pagecache
from groundswell.lib.tests.test_pagecache import Wsgi
from groundswell.volunteers.tests.conftest import make_need, make_shift, sign_up

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_copies() -> None:
    pagecache.clear()  # copies are per process: one left by another test would answer


def later(monkeypatch: pytest.MonkeyPatch) -> None:
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + pagecache.SECONDS + 0.1)


def test_the_event_page_is_answered_from_the_copy_and_counts_places_afresh(
    client: Client, owner: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = make_event(owner, capacity=3)
    url = event.get_absolute_url()
    wsgi = Wsgi()
    status, _headers, first = wsgi.get(url)
    assert status == 200 and wsgi.reached_django == 1
    assert "3 places left" in first and 'name="ref" value=""' in first
    status, _headers, shared = wsgi.get(url + "?ref=tok123&ch=whatsapp")
    assert status == 200 and wsgi.reached_django == 1  # answered before Django
    assert 'name="ref" value="tok123"' in shared and 'name="ch" value="whatsapp"' in shared
    assert 'name="ref" value=""' in wsgi.get(url)[2]  # nobody's referral stays in the copy
    client.post(f"{url}rsvp/", {"given_name": "Nia", "email": "nia@example.net"})
    testing.run_periodic("decide_rsvps")
    assert "3 places left" in wsgi.get(url)[2]  # the copy, under a second old
    later(monkeypatch)
    _status, _headers, fresh = wsgi.get(url)
    assert wsgi.reached_django == 2 and "2 places left" in fresh


def test_the_need_page_is_answered_from_the_copy_and_counts_places_afresh(
    client: Client, owner: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    need = make_need(owner)
    shift = make_shift(owner, need, slots=2)
    url = f"/o/alices/volunteer/{need.pk}/"
    wsgi = Wsgi()
    status, _headers, first = wsgi.get(url)
    assert status == 200 and wsgi.reached_django == 1
    assert "0 of 40 have a place" in first
    status, _headers, shared = wsgi.get(url + "?ref=tok123&ch=whatsapp")
    assert status == 200 and wsgi.reached_django == 1
    assert 'name="ref" value="tok123"' in shared and 'name="ch" value="whatsapp"' in shared
    sign_up(client, need, shift, email="ana@example.net")
    testing.run_periodic("decide_signups")
    assert "0 of 40 have a place" in wsgi.get(url)[2]
    later(monkeypatch)
    _status, _headers, fresh = wsgi.get(url)
    assert wsgi.reached_django == 2 and "1 of 40 have a place" in fresh
