"""Supporters help themselves: from their private page, download their data or erase it."""

import json
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature, SignatureIntake
from groundswell.audit.models import AuditEntry
from groundswell.supporters import links
from groundswell.supporters.models import Consent, Supporter
from groundswell.supporters.services import standing_updates_consent

ASHA = "asha.verma@example.net"


@pytest.fixture
def asha(petition: Petition, sign: Callable[..., Signature]) -> Supporter:
    asha = sign(petition, ASHA, postcode="N1 9GU", comment="For the otters").supporter
    sign(petition, "ben@example.net", given_name="Ben", family_name="Okafor", via=asha)
    return asha


def page_token(supporter: Supporter) -> str:
    return links.supporter_page_url(supporter.pk).rstrip("/").rsplit("/", 1)[-1]


def page_path(supporter: Supporter, name: str = "") -> str:
    token = page_token(supporter)
    return reverse(name, args=[token]) if name else reverse("referrals:impact", args=[token])


def test_the_private_page_offers_the_download_and_the_erasure(
    client: Client, asha: Supporter
) -> None:
    # One token throughout: a token carries the second it was made, so one made after the
    # page was served differs from the page's own whenever a second has passed meanwhile.
    token = page_token(asha)
    html = client.get(reverse("referrals:impact", args=[token])).content.decode()
    assert f'href="{reverse("supporters:own_data", args=[token])}" download' in html
    assert f'href="{reverse("supporters:erase_self", args=[token])}"' in html


def test_a_supporter_downloads_everything_held_about_them(
    client: Client, asha: Supporter, petition: Petition
) -> None:
    response = client.get(page_path(asha, "supporters:own_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data-alices.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["supporter"]["email"] == ASHA
    assert data["supporter"]["postcode"] == "N1 9GU"
    assert [s["petition"]["id"] for s in data["signatures"]] == [petition.pk]
    assert data["signatures"][0]["comment"] == "For the otters"
    assert sorted(c["purpose"] for c in data["consents"]) == ["petition", "updates"]
    assert data["sharing_generated"]["brought_directly"] == 1
    assert "ben@example.net" not in response.content.decode()  # whom she brought stays out
    entry = AuditEntry.objects.get(action="supporter.access_export")
    assert entry.actor is None
    assert "self-service" in entry.summary and ASHA not in entry.summary


def test_opening_the_erase_page_asks_and_changes_nothing(client: Client, asha: Supporter) -> None:
    response = client.get(page_path(asha, "supporters:erase_self"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Erase your data?" in html
    assert "your 1 signature still counts" in html
    assert '<form method="post">' in html and "Erase my data</button>" in html
    assert Supporter.objects.get(pk=asha.pk).erased_at is None


def test_erasing_oneself_has_the_same_effects_as_the_staff_erasure(
    client: Client, asha: Supporter, petition: Petition, owner: Membership
) -> None:
    from groundswell import testing

    meadow = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    SignatureIntake.objects.create(  # a signature still waiting to be recorded
        petition=meadow, email_key=ASHA, payload={}, share_token="waiting-token"
    )
    response = client.post(page_path(asha, "supporters:erase_self"))
    assert response.status_code == 200
    assert "Your data is erased" in response.content.decode()
    asha.refresh_from_db()
    assert asha.erased_at is not None and asha.email_key.startswith("erased:")
    assert (asha.email, asha.given_name, asha.family_name, asha.postcode) == ("",) * 4
    assert Signature.objects.get(supporter=asha).comment == ""
    assert Signature.objects.get(supporter=asha).state == "confirmed"  # still counts
    assert not Consent.objects.filter(supporter=asha).exclude(source_url="").exists()
    assert not standing_updates_consent(asha)
    assert not SignatureIntake.objects.exists()
    entry = AuditEntry.objects.get(action="supporter.erase")
    assert entry.actor is None
    assert entry.summary == f"Supporter #{asha.pk} erased their own data (self-service)"
    for name in ("", "supporters:own_data", "supporters:erase_self"):
        assert client.get(page_path(asha, name)).status_code == 410
    assert client.post(page_path(asha, "supporters:erase_self")).status_code == 410


def test_the_erase_button_needs_the_pages_csrf_token(asha: Supporter) -> None:
    browser = Client(enforce_csrf_checks=True)
    url = page_path(asha, "supporters:erase_self")
    assert browser.post(url).status_code == 403  # a forged cross-site submission
    assert Supporter.objects.get(pk=asha.pk).erased_at is None
    html = browser.get(url).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found
    token = found.group(1)
    assert browser.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
    assert Supporter.objects.get(pk=asha.pk).erased_at is not None


@pytest.mark.parametrize("name", ["supporters:own_data", "supporters:erase_self"])
def test_a_forged_link_gets_a_404_and_touches_nobody(
    client: Client, asha: Supporter, name: str
) -> None:
    assert client.get(reverse(name, args=["MQ:forged:token"])).status_code == 404
    assert client.post(reverse(name, args=["MQ:forged:token"])).status_code in (404, 405)
    assert Supporter.objects.get(pk=asha.pk).erased_at is None
    assert not AuditEntry.objects.filter(action__startswith="supporter.").exists()
