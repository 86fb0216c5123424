"""Double opt-in by POST: links in emails show a button; only pressing it acts."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature, SignatureState
from groundswell.actions.services import SignatureRequest, sign_petition
from groundswell.supporters.models import Consent, Supporter
from groundswell.supporters.services import standing_updates_consent


def local(url: str) -> str:
    return url.replace("http://127.0.0.1:8000", "")


@pytest.fixture
def emailed(
    client: Client,
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
    worker_turn: Callable[..., None],
) -> dict[str, str]:
    """Asha signed through the form; her links as the email gave them."""
    response = client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]),
        {"given_name": "Asha", "email": "asha@example.net", "consent": "on", "wants_updates": "on"},
    )
    assert response.status_code == 302
    worker_turn()
    [confirm] = smtp_server.links("/confirm/")
    [unsubscribe] = smtp_server.links("/unsubscribe/")
    return {"confirm": local(confirm), "unsubscribe": local(unsubscribe)}


def test_opening_the_confirmation_link_shows_a_button_and_confirms_nothing(
    client: Client, emailed: dict[str, str]
) -> None:
    for _scanner_visit in range(2):
        page = client.get(emailed["confirm"])
        assert page.status_code == 200
        html = page.content.decode()
        assert "Confirm your signature</h1>" in html
        assert '<form method="post">' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert "Confirm my signature</button>" in html
    signature = Signature.objects.get()
    assert signature.state == SignatureState.PENDING
    assert signature.confirmed_at is None
    assert not Consent.objects.filter(confirmed_at__isnull=False).exists()
    assert client.head(emailed["confirm"]).status_code == 405  # nor does a HEAD


def test_pressing_the_button_confirms_and_then_shows_the_share_links(
    client: Client, emailed: dict[str, str]
) -> None:
    response = client.post(emailed["confirm"])
    assert response.status_code == 302
    assert response["Location"] == emailed["confirm"]
    assert response["Cache-Control"].startswith("max-age=0")
    html = client.get(emailed["confirm"]).content.decode()
    assert "Your signature is confirmed" in html
    assert "Confirm my signature</button>" not in html
    signature = Signature.objects.get()
    assert signature.state == SignatureState.CONFIRMED
    assert not Consent.objects.filter(granted=True, confirmed_at__isnull=True).exists()
    assert client.post(emailed["confirm"]).status_code == 302  # pressing twice is harmless


def test_the_confirm_button_needs_the_pages_csrf_token(emailed: dict[str, str]) -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(emailed["confirm"]).status_code == 403  # a forged submission
    assert Signature.objects.get().state == SignatureState.PENDING
    html = browser.get(emailed["confirm"]).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found
    token = found.group(1)
    response = browser.post(emailed["confirm"], {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Signature.objects.get().state == SignatureState.CONFIRMED


def test_opening_the_unsubscribe_link_shows_a_button_and_withdraws_nothing(
    client: Client, emailed: dict[str, str]
) -> None:
    client.post(emailed["confirm"])
    supporter = Supporter.objects.get()
    assert standing_updates_consent(supporter)
    html = client.get(emailed["unsubscribe"]).content.decode()
    assert '<form method="post">' in html and "Unsubscribe</button>" in html
    assert standing_updates_consent(supporter)
    assert "You are unsubscribed" in client.post(emailed["unsubscribe"]).content.decode()
    assert not standing_updates_consent(supporter)


def test_signing_again_with_someones_address_never_changes_their_stored_details(
    client: Client, petition: Petition, owner: Membership
) -> None:
    from groundswell import testing
    from groundswell.actions.petitions import update_petition

    sign_petition(petition, SignatureRequest(email="asha@example.net", given_name="Asha"))
    other = testing.make_petition(owner, petition.campaign, title="Second ask")
    update_petition(owner, other, {"collect_postcode": True, "collect_country": True})
    stranger = SignatureRequest(
        email="Asha@Example.net",
        given_name="Mallory",
        family_name="Intruder",
        country="FR",
        postcode="EV1 1LL",
    )
    sign_petition(petition, stranger)  # the same petition again
    sign_petition(other, stranger)  # and another, which asks for the postcode
    client.post(  # and through the form
        reverse("actions:sign", args=[other.organisation.slug, other.pk]),
        {
            "given_name": "Mallory",
            "family_name": "Intruder",
            "email": "asha@example.net",
            "postcode": "EV1 1LL",
            "country": "FR",
            "consent": "on",
        },
    )
    supporter = Supporter.objects.get()
    assert (
        supporter.given_name,
        supporter.family_name,
        supporter.country,
        supporter.postcode,
    ) == ("Asha", "", "", "")
    assert Signature.objects.filter(supporter=supporter).count() == 2
