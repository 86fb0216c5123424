"""A sign-in address far past the field's length is a mistake on the field, not a 500.

Django's sign-in form sets the username's max_length after building the field, so nothing
checked it: 60,000 characters reached the account lookup, and SQLite refuses a LIKE pattern
that long. Found by tests/test_bad_input.py.
"""

import pytest
from django.test import Client

from groundswell.accounts.models import User
from groundswell.lib.models import RateCount


# Django's admin keeps its own way: the form again with a 200.
@pytest.mark.parametrize(("url", "status"), [("/accounts/login/", 400), ("/admin/login/", 200)])
def test_an_address_of_sixty_thousand_characters_is_refused_on_its_field(
    client: Client, alice: User, url: str, status: int
) -> None:
    response = client.post(url, {"username": "a" * 60_000, "password": "guess"})
    assert response.status_code == status
    page = response.content.decode()
    assert "Ensure this value has at most 254 characters" in page
    assert not RateCount.objects.exists()  # no account was tried, so nothing was counted


def test_an_address_of_the_longest_allowed_length_is_still_tried(
    client: Client, alice: User
) -> None:
    address = "a" * 242 + "@example.org"
    response = client.post("/accounts/login/", {"username": address, "password": "guess"})
    assert response.status_code == 400
    assert "at most 254 characters" not in response.content.decode()
    assert RateCount.objects.exists()  # a real attempt, counted towards the throttle
