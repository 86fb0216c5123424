"""Every form built on includes/form.html fails the GOV.UK way, like the sign form."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Organisation, User
from groundswell.actions.tests.test_sign_page import Page


def test_a_staff_form_with_mistakes_gets_the_summary_title_and_real_descriptions(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("actions:staff_new", args=[org.slug]),
        {"title": "", "ask": "Stop it.", "goal": "0", "consent_text": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    page = Page(html)
    assert page.title.startswith("Error: ")
    assert html.index('class="error-summary"') < html.index('name="title"')
    assert "#id_title" in page.links and "#id_goal" in page.links
    assert page.described["id_title"] == ["id_title_error"]
    assert page.described["id_consent_text"] == [
        "id_consent_text_helptext",
        "id_consent_text_error",
    ]
    for references in page.described.values():
        assert set(references) <= page.ids, references


def test_a_failed_sign_in_says_error_in_the_title_and_summary(client: Client, alice: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": alice.email, "password": "not it"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    page = Page(html)
    assert page.title.startswith("Error: ") and not page.title.startswith("Error: Error:")
    assert html.count('class="error-summary"') == 1
    assert html.index('class="error-summary"') < html.index("<h1")


def test_a_form_without_mistakes_has_neither(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    html = client.get(reverse("actions:staff_new", args=[org.slug])).content.decode()
    assert not Page(html).title.startswith("Error")
    assert "error-summary" not in html
    assert 'id="id_consent_text_helptext"' in html
