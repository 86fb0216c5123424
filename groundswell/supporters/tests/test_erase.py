import json
from collections.abc import Callable
from typing import TypedDict

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import recount
from groundswell.audit.models import AuditEntry
from groundswell.referrals.models import ShareToken
from groundswell.referrals.services import reach_of
from groundswell.supporters import services
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Consent, Supporter

ASHA = "asha.verma@example.net"
TRACES = ["asha", "verma", "N1 9GU", "otters"]


class Network(TypedDict):
    asha: Supporter
    ben: Supporter
    petitions: list[Petition]


@pytest.fixture
def network(
    org: Organisation, owner: Membership, petition: Petition, sign: Callable[..., Signature]
) -> Network:
    """Asha signed two petitions; Ben came through her link and Cara through Ben's."""
    meadow = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    asha = sign(
        petition,
        ASHA,
        postcode="N1 9GU",
        comment="For the otters, from Asha Verma.",
        url=f"https://news.example/rivers?email={ASHA}",
    ).supporter
    sign(meadow, ASHA, confirm=False)
    ben = sign(petition, "ben@example.net", given_name="Ben", family_name="Okafor", via=asha)
    sign(
        petition,
        "cara@example.net",
        given_name="Cara",
        family_name="Lind",
        via=ben.supporter,
        channel="email",
    )
    sign(petition, "dan@example.net", given_name="Dan", family_name="Moss", via=asha, confirm=False)
    return {"asha": asha, "ben": ben.supporter, "petitions": [petition, meadow]}


def tallies(petitions: list[Petition]) -> list[tuple[int, int]]:
    return [(t.confirmed, t.pending) for t in (recount(p.pk) for p in petitions)]


def reach_table(org: Organisation) -> dict[int, tuple[int, int, int, dict[str, int]]]:
    return {
        supporter_id: (r.direct, r.downstream, r.new_supporters, dict(r.channels))
        for supporter_id, r in (
            (s.pk, reach_of(s)) for s in Supporter.objects.filter(organisation=org)
        )
    }


def stored_text(model: type[Supporter | Signature | Consent | AuditEntry]) -> str:
    return json.dumps(list(model.objects.values()), default=str).lower()


def erase_url(org: Organisation, supporter: Supporter) -> str:
    return reverse("supporters:staff_erase", args=[org.slug, supporter.pk])


def test_erasing_keeps_the_counts_and_the_referral_tree(
    client: Client, org: Organisation, alice: User, network: Network
) -> None:
    petitions = network["petitions"]
    counts_before = tallies(petitions)
    reach_before = reach_table(org)
    assert reach_before[network["asha"].pk][:2] == (1, 2)  # Ben directly, Cara through him
    client.force_login(alice)
    response = client.post(erase_url(org, network["asha"]))
    assert response.status_code == 302
    assert tallies(petitions) == counts_before == [(3, 1), (0, 1)]
    assert reach_table(org) == reach_before
    assert Signature.objects.filter(supporter=network["asha"]).count() == 2
    assert Signature.objects.filter(referred_by=network["asha"]).count() == 2


def test_erasing_removes_every_trace_of_the_address_and_name(
    client: Client, org: Organisation, alice: User, network: Network
) -> None:
    for model in (Supporter, Signature, Consent):
        assert ASHA in stored_text(model)  # the test would prove nothing otherwise
    client.force_login(alice)
    client.post(erase_url(org, network["asha"]))
    for erased in (Supporter, Signature, Consent, AuditEntry):
        text = stored_text(erased)
        for trace in TRACES:
            assert trace.lower() not in text, (erased.__name__, trace)
    asha = Supporter.objects.get(pk=network["asha"].pk)
    assert asha.erased_at is not None
    assert asha.email_key.startswith("erased:")
    assert (asha.email, asha.given_name, asha.family_name, asha.country, asha.postcode) == (
        ("",) * 5
    )
    signature = Signature.objects.get(supporter=asha, petition=network["petitions"][0])
    assert signature.comment == ""
    assert signature.referrer_data == {"source": "web"}  # how they came stays; from where goes
    assert signature.state == "confirmed"
    consents = Consent.objects.filter(supporter=asha)
    assert consents.count() == 4
    assert not consents.exclude(source_url="").exists()
    # nobody left to write to: the wish for updates ends, the record of it stays
    assert not services.standing_updates_consent(asha)
    entry = AuditEntry.objects.get(action="supporter.erase")
    assert entry.summary == f"Erased supporter #{asha.pk}"
    assert entry.actor == alice


def test_share_links_of_an_erased_supporter_still_credit_the_chain(
    client: Client,
    org: Organisation,
    owner: Membership,
    network: Network,
    sign: Callable[..., Signature],
) -> None:
    petition = network["petitions"][0]
    erase_supporter(owner, network["asha"])
    assert ShareToken.objects.filter(supporter=network["asha"]).count() == 2
    eve = sign(petition, "eve@example.net", given_name="Eve", via=network["asha"])
    assert eve.referred_by_id == network["asha"].pk
    assert reach_table(org)[network["asha"].pk][:2] == (2, 3)


def test_the_same_address_can_sign_again_as_a_new_supporter(
    client: Client,
    org: Organisation,
    owner: Membership,
    network: Network,
    worker_turn: Callable[..., None],
) -> None:
    from django.core.cache import cache

    cache.clear()  # the signing form's rate limit counts per connection
    petition = network["petitions"][0]
    erase_supporter(owner, network["asha"])
    response = client.post(
        reverse("actions:sign", args=[org.slug, petition.pk]),
        {"given_name": "Asha", "email": ASHA.upper(), "consent": "on"},
    )
    assert response.status_code == 302
    worker_turn()
    again = Supporter.objects.get(email_key=ASHA)
    assert again.pk != network["asha"].pk
    assert again.erased_at is None
    assert Signature.objects.filter(petition=petition, supporter=again).exists()
    assert tallies([petition]) == [(3, 2)]
    cache.clear()


def test_erasing_twice_is_harmless(
    client: Client, org: Organisation, alice: User, owner: Membership, network: Network
) -> None:
    asha = network["asha"]
    assert erase_supporter(owner, asha) is True
    erased_at, key = asha.erased_at, asha.email_key
    assert erase_supporter(owner, asha) is False
    client.force_login(alice)
    response = client.post(erase_url(org, asha), follow=True)
    assert "already erased; nothing changed" in response.content.decode()
    asha.refresh_from_db()
    assert (asha.erased_at, asha.email_key) == (erased_at, key)
    assert AuditEntry.objects.filter(action="supporter.erase").count() == 1


def test_the_confirmation_page_says_what_goes_and_what_stays(
    client: Client, org: Organisation, alice: User, network: Network
) -> None:
    client.force_login(alice)
    html = client.get(erase_url(org, network["asha"])).content.decode()
    assert ASHA in html
    assert "their 2 signatures still count" in html
    assert "This cannot be undone." in html
    assert '<form method="post">' in html
    assert "Erase their personal data</button>" in html
    assert not Supporter.objects.get(pk=network["asha"].pk).erased_at  # GET changes nothing


def test_after_erasing_the_pages_show_an_anonymous_supporter(
    client: Client, org: Organisation, alice: User, network: Network
) -> None:
    asha, ben = network["asha"], network["ben"]
    client.force_login(alice)
    response = client.post(erase_url(org, asha), follow=True)
    html = response.content.decode()
    assert f"Supporter #{asha.pk} is erased." in html
    assert "Erased on" in html
    assert "Asha" not in html and ASHA not in html
    assert "Erase this supporter" not in html
    again = client.get(erase_url(org, asha)).content.decode()
    assert "already erased" in again
    assert "Erase their personal data</button>" not in again
    ben_page = client.get(reverse("supporters:staff_detail", args=[org.slug, ben.pk]))
    assert f"Supporter #{asha.pk}</a>" in ben_page.content.decode()
    assert "Asha" not in ben_page.content.decode()


def test_the_service_refuses_editors_and_other_organisations(
    org: Organisation, editor: Membership, network: Network, charlie: User
) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(PermissionDenied):
        erase_supporter(editor, network["asha"])
    charlies = testing.membership(charlie, charlie.memberships.get().organisation)
    with pytest.raises(Http404):
        erase_supporter(charlies, network["asha"])
    assert Supporter.objects.get(pk=network["asha"].pk).erased_at is None
