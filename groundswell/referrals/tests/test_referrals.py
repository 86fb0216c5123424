import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import (
    SignatureRequest,
    SignatureResult,
    confirm_signature,
    sign_petition,
)
from groundswell.referrals.models import ShareToken
from groundswell.referrals.services import reach_of, stored_ranking
from groundswell.supporters.links import supporter_page_url
from groundswell.supporters.models import Supporter


def sign(
    petition: Petition, email: str, *, ref: str = "", channel: str = "", confirm: bool = True
) -> SignatureResult:
    result = sign_petition(
        petition,
        SignatureRequest(
            email=email,
            given_name=email.split("@")[0].title(),
            referral_token=ref,
            referrer_data={"source": channel, "referrer": ref},
        ),
    )
    if confirm:
        confirm_signature(result.signature.pk)
    return result


def test_signing_through_a_share_link_credits_the_chain_and_records_referrer_data(
    client: Client, petition: Petition, worker_turn: Callable[..., None]
) -> None:
    a = sign(petition, "ana@example.net")
    share_url = f"{petition.get_absolute_url()}?ref={a.share_token.token}&ch=whatsapp"
    page = client.get(share_url, HTTP_REFERER="https://chat.example/")
    html = page.content.decode()
    assert f'name="ref" value="{a.share_token.token}"' in html
    assert 'name="ch" value="whatsapp"' in html
    assert 'name="ws" value="chat.example"' in html
    assert page.cookies["gs_ref"].value == f"{a.share_token.token}:whatsapp"
    response = client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]),
        {
            "given_name": "Bo",
            "email": "bo@example.net",
            "consent": "on",
            "ref": a.share_token.token,
            "ch": "whatsapp",
            "ws": "chat.example",
        },
        HTTP_REFERER="http://testserver" + share_url,
    )
    assert response.status_code == 302
    worker_turn()
    b = Signature.objects.get(supporter__email="bo@example.net")
    assert b.referred_by == a.signature.supporter
    assert b.referrer_data == {
        "source": "whatsapp",
        "referrer": a.share_token.token,
        "website": "chat.example",
        "url": "http://testserver" + share_url,
    }


def test_the_cookie_carries_the_referral_when_the_form_lost_it(
    client: Client, petition: Petition
) -> None:
    a = sign(petition, "ana@example.net")
    client.get(f"{petition.get_absolute_url()}?ref={a.share_token.token}&ch=telegram")
    page = client.get(petition.get_absolute_url())  # later visit, no query string
    assert f'name="ref" value="{a.share_token.token}"' in page.content.decode()


def test_share_tokens_are_opaque_and_not_reused_across_petitions(
    petition: Petition, owner: Membership
) -> None:
    a = sign(petition, "ana@example.net")
    token = a.share_token.token
    assert len(token) >= 20
    assert token not in (str(a.signature.supporter_id), "ana@example.net")
    assert sign(petition, "bea@example.net").share_token.token != token
    other = testing.make_petition(owner, petition.campaign, title="Another ask")
    # A token for another petition does not credit anyone, and does not block signing.
    b = sign(other, "bo@example.net", ref=token)
    assert b.signature.referred_by is None
    assert ShareToken.objects.filter(petition=other).count() == 1


def test_nobody_can_refer_themselves(petition: Petition) -> None:
    a = sign(petition, "ana@example.net")
    again = sign(petition, "ana@example.net", ref=a.share_token.token)
    assert again.signature.referred_by is None


def test_the_share_page_tags_every_channel_with_the_personal_token(
    client: Client, petition: Petition, worker_turn: Callable[..., None]
) -> None:
    client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]),
        {"given_name": "Ana", "email": "ana@example.net", "consent": "on"},
        follow=True,
    )
    worker_turn()
    token = ShareToken.objects.get().token
    html = client.get(
        reverse("actions:thanks", args=[petition.organisation.slug, petition.pk, token])
    ).content.decode()
    # Each button goes through the counting address (analytics) to the network's share page,
    # which gets the personal link tagged with its channel.
    slug = petition.organisation.slug
    for channel in ["whatsapp", "telegram", "facebook", "x", "bluesky", "linkedin", "email"]:
        button = reverse("analytics:share_petition", args=[slug, petition.pk, channel, token])
        assert f'href="{button}"' in html, channel
        assert f"ref%3D{token}%26ch%3D{channel}" in client.get(button)["Location"], channel
    for channel in ["copy", "mastodon"]:
        assert (
            f"ref%3D{token}%26ch%3D{channel}" in html or f"ref={token}&amp;ch={channel}" in html
        ), channel
    assert 'action="/share/mastodon/"' in html
    assert "navigator.share" not in html  # the enhancement lives in a static file


def test_the_mastodon_button_sends_people_to_their_own_server(client: Client) -> None:
    response = client.get("/share/mastodon/", {"instance": "@ana@Toot.Example/", "text": "Sign!"})
    assert response.status_code == 302
    parts = urlsplit(response["Location"])
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "toot.example", "/share")
    assert parse_qs(parts.query) == {"text": ["Sign!"]}
    bad = client.get("/share/mastodon/", {"instance": "javascript:alert(1)", "text": "x"})
    assert bad.status_code == 400
    assert "Type just the server" in bad.content.decode()


def test_evangelists_rank_by_downstream_confirmed_signatures(
    client: Client, alice: User, org: Organisation, petition: Petition
) -> None:
    a = sign(petition, "ana@example.net")
    b = sign(petition, "bo@example.net", ref=a.share_token.token, channel="whatsapp")
    sign(petition, "cy@example.net", ref=b.share_token.token, channel="email")
    sign(petition, "di@example.net", ref=b.share_token.token, confirm=False)
    testing.run_periodic("rank_evangelists")
    top = stored_ranking(org, supporters=Supporter.objects.all()).entries
    assert [(e.supporter.email, e.reach.downstream) for e in top if e.supporter] == [
        ("ana@example.net", 2),
        ("bo@example.net", 1),
    ]
    client.force_login(alice)
    html = client.get(reverse("referrals:evangelists", args=[org.slug])).content.decode()
    assert html.index("Ana") < html.index("Bo")
    campaign_html = client.get(
        reverse("referrals:evangelists", args=[org.slug]), {"campaign": petition.campaign_id}
    ).content.decode()
    assert "Ana" in campaign_html


def test_the_private_page_says_what_sharing_achieved_and_is_unguessable(
    client: Client, petition: Petition
) -> None:
    a = sign(petition, "ana@example.net")
    b = sign(petition, "bo@example.net", ref=a.share_token.token)
    sign(petition, "cy@example.net", ref=b.share_token.token)
    url = supporter_page_url(a.signature.supporter_id).replace("http://127.0.0.1:8000", "")
    html = client.get(url).content.decode()
    assert "Your sharing generated 2 signatures." in html
    assert client.get(re.sub(r"/me/[^/]+/", "/me/1/", url)).status_code == 404
    assert reach_of(a.signature.supporter).direct == 1


def test_the_public_leaderboard_shows_first_names_of_those_who_opted_in(
    client: Client, petition: Petition
) -> None:
    a = sign(petition, "ana@example.net")
    sign(petition, "bo@example.net", ref=a.share_token.token)
    board = reverse(
        "referrals:leaderboard", args=[petition.organisation.slug, petition.campaign.slug]
    )
    assert "Ana" not in client.get(board).content.decode()
    url = supporter_page_url(a.signature.supporter_id).replace("http://127.0.0.1:8000", "")
    client.post(url, {"public_leaderboard": "on"})
    testing.run_periodic("rank_evangelists")
    html = client.get(board).content.decode()
    assert (
        '<span class="name">Ana</span> — <span class="generated">Signatures generated: '
        "<strong>1</strong></span>" in html
    )
    assert "ana@example.net" not in html


def test_roles_that_may_not_read_supporters_see_numbers_not_names(
    client: Client, org: Organisation, petition: Petition
) -> None:
    a = sign(petition, "ana@example.net")
    sign(petition, "bo@example.net", ref=a.share_token.token)
    analyst = testing.make_user("an@example.org", "An Analyst")
    testing.add_member(org, analyst, "analyst")
    testing.run_periodic("rank_evangelists")
    client.force_login(analyst)
    html = client.get(reverse("referrals:evangelists", args=[org.slug])).content.decode()
    assert "<td>Ana</td>" not in html
    assert f"<td>Supporter #{a.signature.supporter_id}</td>" in html
