from collections.abc import Callable
from typing import TypedDict

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, Signature
from groundswell.supporters import services
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Consent, Supporter


def supporter_urls(org: Organisation, supporter: Supporter) -> dict[str, str]:
    slug = org.slug
    return {
        "list": reverse("supporters:staff_list", args=[slug]),
        "detail": reverse("supporters:staff_detail", args=[slug, supporter.pk]),
        "csv": reverse("supporters:staff_export", args=[slug]),
        "json": reverse("supporters:staff_export_json", args=[slug, supporter.pk]),
        "erase": reverse("supporters:staff_erase", args=[slug, supporter.pk]),
    }


@pytest.fixture
def asha(petition: Petition, sign: Callable[..., Signature]) -> Supporter:
    return sign(petition, "asha@example.net").supporter


# --- Who may see what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("owner", {"list", "detail", "csv", "json", "erase"}),
        ("editor", {"list", "detail"}),
        ("analyst", set()),
        ("moderator", set()),
    ],
)
def test_each_role_reaches_only_the_supporter_pages_its_permissions_allow(
    client: Client,
    org: Organisation,
    asha: Supporter,
    member_with_role: Callable[[str], User],
    role: str,
    allowed: set[str],
) -> None:
    client.force_login(member_with_role(role))
    for name, url in supporter_urls(org, asha).items():
        response = client.get(url)
        assert response.status_code == (200 if name in allowed else 403), (role, name)


def test_analysts_and_moderators_are_told_why_they_cannot_see_supporters(
    client: Client, org: Organisation, asha: Supporter, member_with_role: Callable[[str], User]
) -> None:
    for role in ("analyst", "moderator"):
        client.force_login(member_with_role(role))
        response = client.get(reverse("supporters:staff_list", args=[org.slug]))
        assert response.status_code == 403
        assert "for owners and editors only" in response.content.decode()


def test_editors_are_told_that_exports_and_erasure_are_for_owners(
    client: Client, org: Organisation, asha: Supporter, bob: User
) -> None:
    client.force_login(bob)
    urls = supporter_urls(org, asha)
    assert "Only an owner can export" in client.get(urls["csv"]).content.decode()
    assert "Only an owner can export" in client.get(urls["json"]).content.decode()
    response = client.post(urls["erase"])
    assert response.status_code == 403
    assert "Only an owner can erase" in response.content.decode()
    asha.refresh_from_db()
    assert asha.erased_at is None and asha.email == "asha@example.net"


def test_a_stranger_gets_404_on_every_supporter_page_of_another_organisation(
    client: Client, org: Organisation, asha: Supporter, charlie: User
) -> None:
    client.force_login(charlie)
    for name, url in supporter_urls(org, asha).items():
        assert client.get(url).status_code == 404, name
    assert client.post(supporter_urls(org, asha)["erase"]).status_code == 404


def test_a_stranger_cannot_reach_another_orgs_supporter_through_their_own_org(
    client: Client, org: Organisation, asha: Supporter, charlie: User
) -> None:
    client.force_login(charlie)
    charlies = charlie.memberships.get().organisation
    urls = supporter_urls(charlies, asha)
    for name in ("detail", "json", "erase"):
        assert client.get(urls[name]).status_code == 404, name
    assert client.post(urls["erase"]).status_code == 404
    asha.refresh_from_db()
    assert asha.erased_at is None
    listing = client.get(urls["list"]).content.decode()
    assert "asha@example.net" not in listing
    download = client.get(urls["csv"])
    assert isinstance(download, StreamingHttpResponse)
    export = b"".join(download.streaming_content).decode()
    assert "asha@example.net" not in export


def test_anonymous_visitors_are_sent_to_sign_in(
    client: Client, org: Organisation, asha: Supporter
) -> None:
    for name, url in supporter_urls(org, asha).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login"))


def test_only_owners_and_editors_see_the_supporters_link(
    client: Client,
    org: Organisation,
    alice: User,
    bob: User,
    member_with_role: Callable[[str], User],
) -> None:
    link = f'href="{reverse("supporters:staff_list", args=[org.slug])}"'
    dashboard = reverse("hub:dashboard", args=[org.slug])
    for user, shown in [(alice, True), (bob, True), (member_with_role("analyst"), False)]:
        client.force_login(user)
        assert (link in client.get(dashboard).content.decode()) is shown, user


def test_pages_with_personal_data_are_not_cached(
    client: Client, org: Organisation, alice: User, asha: Supporter
) -> None:
    client.force_login(alice)
    for name, url in supporter_urls(org, asha).items():
        assert "no-store" in client.get(url)["Cache-Control"], name


# --- Finding people -------------------------------------------------------------------------


class Crowd(TypedDict):
    asha: Supporter
    ben: Supporter
    cara: Supporter
    other: Petition


@pytest.fixture
def crowd(petition: Petition, owner: Membership, sign: Callable[..., Signature]) -> Crowd:
    """Three people: asha confirmed and wanting news, ben pending, cara on a second petition."""
    other = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    asha = sign(petition, "asha@gmail.com").supporter
    ben = sign(petition, "ben@example.net", given_name="Ben", family_name="Okafor", confirm=False)
    cara = sign(
        other, "cara@example.net", given_name="Cara", family_name="Lind", wants_updates=False
    )
    return {"asha": asha, "ben": ben.supporter, "cara": cara.supporter, "other": other}


def listed(client: Client, org: Organisation, **params: str | int) -> set[str]:
    response = client.get(reverse("supporters:staff_list", args=[org.slug]), params)
    assert response.status_code == 200
    return {supporter.email for supporter in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("asha", {"asha@gmail.com"}),
        ("OKAFOR", {"ben@example.net"}),
        ("Cara Lind", {"cara@example.net"}),
        ("example.net", {"ben@example.net", "cara@example.net"}),
        # the normalised key finds the person whichever way they typed their address
        ("A.S.H.A+petitions@GoogleMail.com", {"asha@gmail.com"}),
        ("nobody", set()),
    ],
)
def test_search_matches_names_email_and_the_normalised_address(
    client: Client, org: Organisation, alice: User, crowd: Crowd, query: str, expected: set[str]
) -> None:
    client.force_login(alice)
    assert listed(client, org, q=query) == expected


def test_filters_narrow_by_confirmation_wish_for_updates_and_petition(
    client: Client, org: Organisation, alice: User, crowd: Crowd, petition: Petition
) -> None:
    client.force_login(alice)
    everyone = {"asha@gmail.com", "ben@example.net", "cara@example.net"}
    assert listed(client, org) == everyone
    assert listed(client, org, confirmed="yes") == {"asha@gmail.com", "cara@example.net"}
    assert listed(client, org, confirmed="no") == {"ben@example.net"}
    # ben asked for news but never confirmed, cara did not ask
    assert listed(client, org, updates="yes") == {"asha@gmail.com"}
    assert listed(client, org, updates="no") == {"ben@example.net", "cara@example.net"}
    assert listed(client, org, petition=crowd["other"].pk) == {"cara@example.net"}
    assert listed(client, org, petition=petition.pk, confirmed="yes") == {"asha@gmail.com"}


def test_withdrawing_updates_takes_a_person_out_of_the_updates_filter(
    client: Client, org: Organisation, alice: User, crowd: Crowd
) -> None:
    services.withdraw_updates(crowd["asha"])
    client.force_login(alice)
    assert "asha@gmail.com" not in listed(client, org, updates="yes")


def test_an_expired_updates_consent_no_longer_counts_as_wanting_updates(
    client: Client, org: Organisation, alice: User, crowd: Crowd
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    Consent.objects.filter(supporter=crowd["asha"], purpose="updates").update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(alice)
    assert "asha@gmail.com" not in listed(client, org, updates="yes")
    assert "asha@gmail.com" in listed(client, org, updates="no")


def test_a_bad_filter_gets_a_clear_message_and_keeps_the_others(
    client: Client, org: Organisation, alice: User, crowd: Crowd, charlie: User
) -> None:
    charlies = charlie.memberships.get().organisation
    foreign = testing.make_petition(
        testing.membership(charlie, charlies),
        testing.make_campaign(testing.membership(charlie, charlies), slug="c-rivers"),
    )
    client.force_login(alice)
    url = reverse("supporters:staff_list", args=[org.slug])
    response = client.get(url, {"petition": str(foreign.pk), "q": "asha"})
    html = response.content.decode()
    assert "Choose one of your petitions." in html
    assert 'value="asha"' in html  # what was typed stays in the box
    assert {s.email for s in response.context["page"].object_list} == {"asha@gmail.com"}
    response = client.get(url, {"q": "x" * 150})
    assert "at most 100 characters" in response.content.decode()


def test_the_list_shows_counts_and_marks_erased_supporters(
    client: Client, org: Organisation, alice: User, owner: Membership, crowd: Crowd
) -> None:
    erase_supporter(owner, crowd["ben"])
    client.force_login(alice)
    response = client.get(reverse("supporters:staff_list", args=[org.slug]))
    html = response.content.decode()
    assert "3 supporters" in html
    assert f"Supporter #{crowd['ben'].pk}" in html
    assert "Erased" in html
    assert "Okafor" not in html
    rows = {s.pk: s.signature_count for s in response.context["page"].object_list}
    assert rows == {crowd["asha"].pk: 1, crowd["ben"].pk: 1, crowd["cara"].pk: 1}


def test_the_list_pages_by_fifty_and_keeps_the_filters_in_page_links(
    client: Client, org: Organisation, alice: User
) -> None:
    for n in range(55):
        services.find_or_create_supporter(
            org, email=f"p{n}@example.net", email_key=f"p{n}@example.net", given_name="Pat"
        )
    client.force_login(alice)
    url = reverse("supporters:staff_list", args=[org.slug])
    first = client.get(url, {"q": "pat"})
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert "?q=pat&amp;page=2" in first.content.decode()
    second = client.get(url, {"q": "pat", "page": "2"})
    assert len(second.context["page"].object_list) == 5


def test_the_list_uses_a_fixed_number_of_queries(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    client.force_login(alice)
    url = reverse("supporters:staff_list", args=[org.slug])
    params = {"q": "example", "confirmed": "yes", "updates": "yes", "petition": str(petition.pk)}
    sign(petition, "first@example.net")
    client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, params)
    assert len(response.context["page"].object_list) == 1
    for n in range(12):
        sign(petition, f"more{n}@example.net", given_name=f"More {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, params)
    assert len(response.context["page"].object_list) == 13
    assert len(many) == len(few) <= 10


# --- One person -----------------------------------------------------------------------------


def test_the_detail_page_shows_personal_data_signatures_and_consent_history(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    signature = sign(
        petition,
        "asha@example.net",
        postcode="N1 9GU",
        comment="For the otters.",
        url="https://news.example/rivers",
        channel="newsletter",
    )
    asha = signature.supporter
    services.withdraw_updates(asha)
    client.force_login(alice)
    response = client.get(reverse("supporters:staff_detail", args=[org.slug, asha.pk]))
    html = response.content.decode()
    for text in ["Asha Verma", "asha@example.net", "N1 9GU", "Stop the sewage", "Confirmed",
                 "For the otters.", "newsletter", "https://news.example/rivers"]:  # fmt: skip
        assert text in html, text
    # the exact words each consent was given to
    for wording in (petition.consent_wording, petition.updates_wording):
        assert escape(wording.text) in html
        assert f"Wording #{wording.pk}" in html
    consents = list(response.context["consents"])
    assert [c.purpose for c in consents] == ["updates", "petition"]
    assert all(c.confirmed_at for c in consents)
    assert consents[0].withdrawn_at is not None
    assert response.context["wants_updates"] is False


def test_the_detail_page_shows_who_referred_them_and_what_their_sharing_generated(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    asha = sign(petition, "asha@example.net").supporter
    ben = sign(petition, "ben@example.net", given_name="Ben", via=asha, channel="whatsapp")
    sign(petition, "cara@example.net", given_name="Cara", via=ben.supporter, channel="email")
    client.force_login(alice)
    response = client.get(reverse("supporters:staff_detail", args=[org.slug, asha.pk]))
    reach = response.context["reach"]
    assert (reach.direct, reach.downstream, reach.new_supporters) == (1, 2, 1)
    assert "whatsapp (1)" in response.content.decode()
    ben_page = client.get(reverse("supporters:staff_detail", args=[org.slug, ben.supporter.pk]))
    asha_link = reverse("supporters:staff_detail", args=[org.slug, asha.pk])
    assert f'<a href="{asha_link}">Asha Verma</a>' in ben_page.content.decode()


def test_the_detail_page_offers_export_and_erasure_to_owners_only(
    client: Client, org: Organisation, alice: User, bob: User, asha: Supporter
) -> None:
    url = reverse("supporters:staff_detail", args=[org.slug, asha.pk])
    erase = reverse("supporters:staff_erase", args=[org.slug, asha.pk])
    client.force_login(alice)
    assert erase in client.get(url).content.decode()
    client.force_login(bob)
    html = client.get(url).content.decode()
    assert erase not in html
    assert "export.json" not in html


def test_consents_without_a_petition_still_show(
    client: Client, org: Organisation, alice: User, asha: Supporter
) -> None:
    consent = Consent.objects.filter(supporter=asha).first()
    assert consent is not None
    wording = consent.wording
    services.new_consent(asha.pk, purpose="updates", wording=wording, granted=True).save()
    client.force_login(alice)
    response = client.get(reverse("supporters:staff_detail", args=[org.slug, asha.pk]))
    assert response.status_code == 200
    assert len(response.context["consents"]) == 3
    assert Supporter.objects.count() == 1
