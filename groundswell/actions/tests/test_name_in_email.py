"""A first name typed by a stranger cannot add lines or links to the email we send them."""

import unicodedata
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import SignatureRequest, sign_petition
from groundswell.testing import run_periodic

HOSTILE = [
    "Bob\n\nClick http://evil.example/win",
    "Bob\r\nBcc: everyone@example.net",
    "Bob\u2028\u2029Visit evil.example",
    "Bob\u202eelpmaxe.live",
    "Bob\x07\x1b[31mred\x7f",  # a bell and a terminal escape (NUL cannot be stored at all)
]


def sign_url(petition: Petition) -> str:
    return reverse("actions:sign", args=[petition.organisation.slug, petition.pk])


def form(**overrides: str) -> dict[str, str]:
    return {
        "given_name": "Asha",
        "email": "asha@example.net",
        "consent": "on",
        **overrides,
    }


@pytest.mark.parametrize(
    ("field", "name", "message"),
    [
        ("given_name", "Bob\n\nClick http://evil.example", "line breaks or other control"),
        ("given_name", "Bob\r\nBcc: x@example.net", "line breaks or other control"),
        ("given_name", "Bob\u202eevil", "line breaks or other control"),
        ("given_name", "Bob https://evil.example", "without a web or email address"),
        ("given_name", "Bob www.evil.example", "without a web or email address"),
        ("given_name", "bob@evil.example", "without a web or email address"),
        ("family_name", "Smith\nClick here", "line breaks or other control"),
    ],
)
def test_the_sign_form_refuses_names_with_control_characters_or_links(
    client: Client, petition: Petition, field: str, name: str, message: str
) -> None:
    response = client.post(sign_url(petition), form(**{field: name}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Signature.objects.exists()


@pytest.mark.parametrize("name", ["Zoë", "J.R.", "Mary-Jane O'Neil", "St.John", "  Asha   Rao "])
def test_ordinary_names_are_accepted(
    client: Client, petition: Petition, name: str, worker_turn: Callable[..., None]
) -> None:
    response = client.post(sign_url(petition), form(given_name=name))
    assert response.status_code == 302
    worker_turn()
    assert Signature.objects.get().supporter.given_name == " ".join(name.split())


def greeting(smtp_server: testing.LocalSMTPServer) -> tuple[str, EmailMessage]:
    run_periodic("send_confirmations")
    (message,) = smtp_server.messages
    return smtp_server.bodies()[0].splitlines()[0], message


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_stored_without_the_form_never_reaches_the_email(
    petition: Petition, smtp_server: testing.LocalSMTPServer, name: str
) -> None:
    # The API and rows stored before the form refused them bypass the form's check.
    sign_petition(petition, SignatureRequest(email="bob@example.net", given_name=name))
    first_line, message = greeting(smtp_server)
    body = smtp_server.bodies()[0]
    assert first_line.startswith("Hello"), first_line
    assert "evil" not in body and "Bcc" not in body and "everyone@" not in body
    assert not any(unicodedata.category(char) == "Cc" and char not in "\r\n" for char in body)
    assert "\u202e" not in body and "\u2028" not in body
    assert "evil" not in str(message["Subject"])


def test_a_long_name_is_cut_short_in_the_email(
    petition: Petition, smtp_server: testing.LocalSMTPServer
) -> None:
    sign_petition(petition, SignatureRequest(email="bob@example.net", given_name="Ana" * 30))
    first_line, _ = greeting(smtp_server)
    assert first_line == "Hello " + ("Ana" * 30)[:39] + "…,"
