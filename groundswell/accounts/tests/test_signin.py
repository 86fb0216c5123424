"""Sign-in throttling: slows a guesser, never locks the owner out from her own connection."""

from django.contrib.auth import get_user
from django.test import Client

from groundswell import testing
from groundswell.accounts import signin
from groundswell.accounts.models import User
from groundswell.lib.models import RateCount
from groundswell.testing import ClientResponse

URL = "/accounts/login/"
ALICE = "alice@example.org"


def attempt(
    client: Client, password: str, *, email: str = ALICE, address: str = "203.0.113.66"
) -> ClientResponse:
    return client.post(URL, {"username": email, "password": password}, REMOTE_ADDR=address)


def test_after_five_failures_that_address_must_wait_even_with_the_right_password(
    client: Client, alice: User
) -> None:
    for _ in range(signin.ACCOUNT_LIMIT):
        assert attempt(client, "guess").status_code == 400
    refused = attempt(client, testing.PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many failed sign-ins from your connection. Wait " in page
    assert "minutes and try again" in page or "minute and try again" in page
    assert int(refused["Retry-After"]) <= signin.WINDOW
    assert "<title>Error:" in page and 'id="error-summary"' in page
    assert not get_user(client).is_authenticated


def test_a_stranger_guessing_cannot_lock_the_owner_out(client: Client, alice: User) -> None:
    for _ in range(signin.ACCOUNT_LIMIT + 3):
        attempt(client, "guess", address="198.51.100.13")
    response = attempt(client, testing.PASSWORD, address="203.0.113.66")
    assert response.status_code == 302
    user = get_user(client)
    assert isinstance(user, User)
    assert user.email == ALICE


def test_one_address_trying_many_accounts_is_capped(client: Client, alice: User) -> None:
    for number in range(signin.ADDRESS_LIMIT):
        attempt(client, "guess", email=f"user{number}@example.org")
    assert attempt(client, testing.PASSWORD).status_code == 429
    assert attempt(client, testing.PASSWORD, address="203.0.113.67").status_code == 302


def test_a_success_starts_the_count_afresh(client: Client, alice: User) -> None:
    for _ in range(signin.ACCOUNT_LIMIT - 1):
        attempt(client, "guess")
    assert attempt(client, testing.PASSWORD).status_code == 302
    client.logout()
    for _ in range(signin.ACCOUNT_LIMIT - 1):
        attempt(client, "guess")
    assert attempt(client, testing.PASSWORD).status_code == 302


def test_a_password_reset_lifts_the_throttle(client: Client, alice: User) -> None:
    for _ in range(signin.ACCOUNT_LIMIT):
        attempt(client, "guess")
    assert attempt(client, testing.PASSWORD).status_code == 429
    alice.set_password("a brand new passphrase")
    alice.save()
    assert attempt(client, "a brand new passphrase").status_code == 302


def test_only_keyed_hashes_of_the_account_and_address_are_stored(
    client: Client, alice: User
) -> None:
    attempt(client, "guess")
    buckets = " ".join(RateCount.objects.values_list("bucket", flat=True))
    assert buckets.count("signin-") == 2
    assert "alice" not in buckets and "203.0.113.66" not in buckets


def test_the_admin_sign_in_page_obeys_the_same_throttle(client: Client, alice: User) -> None:
    alice.is_staff = True
    alice.save()
    for _ in range(signin.ACCOUNT_LIMIT):
        client.post("/admin/login/", {"username": ALICE, "password": "guess"})
    refused = client.post("/admin/login/", {"username": ALICE, "password": testing.PASSWORD})
    assert "Too many failed sign-ins from your connection" in refused.content.decode()
    assert not get_user(client).is_authenticated
    # The main sign-in page counted the same failures.
    assert attempt(client, testing.PASSWORD, address="127.0.0.1").status_code == 429
