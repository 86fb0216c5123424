from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Organisation, User


def test_without_a_last_organisation_staff_land_where_their_role_is_highest(
    client: Client, alice: User, org: Organisation, charlie: User
) -> None:
    # An organisation whose name sorts first, where alice only edits.
    aardvarks = testing.make_organisation(charlie, name="Aardvark Allies", slug="aardvarks")
    testing.add_member(aardvarks, alice, "editor")
    client.force_login(alice)
    response = client.get(reverse("accounts:staff_home"))
    assert response["Location"] == reverse("hub:dashboard", args=[org.slug])


def test_staff_land_in_the_organisation_they_used_last(
    client: Client, alice: User, org: Organisation, charlie: User
) -> None:
    aardvarks = testing.make_organisation(charlie, name="Aardvark Allies", slug="aardvarks")
    testing.add_member(aardvarks, alice, "editor")
    client.force_login(alice)
    client.get(reverse("hub:dashboard", args=["aardvarks"]))
    response = client.get(reverse("accounts:staff_home"))
    assert response["Location"] == reverse("hub:dashboard", args=["aardvarks"])
