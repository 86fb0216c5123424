"""Every refused submission of the sign-in, password and two-factor forms is a 400 with the
GOV.UK error summary (R2), and the status says no more than the page did before: the same
answer for a known and an unknown address, a throttled sign-in still a 429."""

from __future__ import annotations

import re

from django.contrib.auth import get_user
from django.core import mail
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts import signin
from groundswell.accounts.models import Organisation, User
from groundswell.testing import ClientResponse

SUMMARY = re.compile(r'<div class="error-summary".*?</ul>', re.DOTALL)


def summary_of(response: ClientResponse) -> str:
    html = response.content.decode()
    assert "<title>Error:" in html
    found = SUMMARY.search(html)
    assert found, html[:600]
    return found.group(0)


def test_a_wrong_password_and_an_unknown_address_get_the_same_400(
    client: Client, alice: User
) -> None:
    url = reverse("accounts:login")
    wrong = client.post(url, {"username": alice.email, "password": "not it"})
    unknown = client.post(url, {"username": "nobody@example.org", "password": "not it"})
    assert wrong.status_code == unknown.status_code == 400
    assert summary_of(wrong) == summary_of(unknown)
    assert "Please enter a correct email address and password." in summary_of(wrong)
    empty = client.post(url, {"username": "", "password": ""})
    assert empty.status_code == 400 and 'href="#id_username"' in summary_of(empty)


def test_a_throttled_sign_in_is_still_a_429(client: Client, alice: User) -> None:
    url = reverse("accounts:login")
    for _attempt in range(signin.ACCOUNT_LIMIT):
        assert client.post(url, {"username": alice.email, "password": "x"}).status_code == 400
    throttled = client.post(url, {"username": alice.email, "password": testing.PASSWORD})
    assert throttled.status_code == 429 and "Retry-After" in throttled
    assert "Too many failed sign-ins" in summary_of(throttled)
    assert not get_user(client).is_authenticated


def test_the_reset_form_refuses_only_a_malformed_address_and_never_tells_who_exists(
    client: Client, alice: User
) -> None:
    url = reverse("accounts:password_reset")
    malformed = client.post(url, {"email": "not an address"})
    assert malformed.status_code == 400
    assert 'href="#id_email"' in summary_of(malformed)
    known = client.post(url, {"email": alice.email})
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1  # the queue ran in the test: alice's link only


def _reset_form(client: Client, alice: User) -> str:
    client.post(reverse("accounts:password_reset"), {"email": alice.email})
    found = re.search(r"https?://[^/\s]+(/\S+)", str(mail.outbox[-1].body))
    assert found
    response = client.get(found.group(1), follow=True)
    return str(response.redirect_chain[-1][0])


def test_a_new_password_with_mistakes_is_a_400_and_changes_nothing(
    client: Client, alice: User
) -> None:
    form_url = _reset_form(client, alice)
    differ = client.post(
        form_url, {"new_password1": "a new long passphrase", "new_password2": "another one"}
    )
    assert differ.status_code == 400
    assert 'href="#id_new_password2"' in summary_of(differ)
    alice.refresh_from_db()
    assert alice.check_password(testing.PASSWORD)
    # The link still works after a refusal, and a good password then goes through.
    done = client.post(
        form_url,
        {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert done.status_code == 302
    # Used: the same page refuses a second password, saying the link is spent.
    again = client.post(form_url, {"new_password1": "third pass 123", "new_password2": "x"})
    assert again.status_code == 400
    assert "This link has expired or has already been used." in again.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("a new long passphrase")


def test_a_code_sent_without_a_sign_in_waiting_is_a_400(client: Client) -> None:
    url = reverse("accounts:signin_code")
    assert client.get(url).status_code == 200  # the "sign in again" page, asked for
    refused = client.post(url, {"code": "123456"})
    assert refused.status_code == 400
    assert "Sign in again" in refused.content.decode()


def test_an_invitation_sign_up_with_mistakes_is_a_400(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    client.post(
        reverse("accounts:members", args=[org.slug]),
        {"email": "dora@example.org", "role": "editor"},
    )
    found = re.search(r"https?://[^/\s]+(/\S+)", str(mail.outbox[-1].body))
    assert found
    client.logout()
    refused = client.post(
        found.group(1), {"name": "Dora", "password1": testing.PASSWORD, "password2": "other"}
    )
    assert refused.status_code == 400
    assert 'href="#id_password2"' in summary_of(refused)
    assert not User.objects.filter(email="dora@example.org").exists()


def test_a_form_sent_empty_or_not_as_a_form_is_refused_with_its_errors(
    client: Client, alice: User
) -> None:
    """Found by the bad-input suite: a POST with no form fields left the form unbound, so the
    page came back without saying what was wrong."""
    client.force_login(alice)
    url = reverse("accounts:two_factor_setup")
    client.get(url)
    for refused in (
        client.post(url, {}),
        client.post(url, '{"code": "1"}', content_type="application/json"),
    ):
        assert refused.status_code == 400
        assert 'href="#id_code"' in summary_of(refused)
