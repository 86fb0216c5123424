"""The demo's volunteer need: open, with shifts, people placed and one waitlisted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from groundswell.hub.demo import seed
from groundswell.volunteers.models import Need, Signup

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_need_with_shifts_that_shows_what_is_missing(client: Client) -> None:
    seed(password="demo-password-1")
    need = Need.objects.get()
    assert need.status == "open" and need.shifts.count() == 3
    assert set(Signup.objects.values_list("state", flat=True)) == {"confirmed", "waitlisted"}
    page = client.get(need.get_absolute_url())
    assert page.status_code == 200
    assert "35 more people wanted: 5 of 40 have a place." in page.content.decode()
    assert "(fictional)" in page.content.decode()


def test_the_campaign_page_links_to_its_open_needs(client: Client, owner: Any) -> None:
    from groundswell import testing
    from groundswell.lib import pagecache
    from groundswell.volunteers import services

    campaign = testing.make_campaign(owner, title="Warm homes", slug="warm", status="live")
    need = services.create_need(
        owner, {"title": "Drivers wanted", "quantity": 3, "campaign": campaign}
    )
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "Drivers wanted" not in page  # a draft is not public
    services.set_need_status(owner, need, "open")
    pagecache.clear()  # the page copy lives a second
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert f'href="{need.get_absolute_url()}"' in page
