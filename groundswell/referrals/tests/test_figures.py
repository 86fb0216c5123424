"""One referral tree, the same figures under the same names on every page that shows them."""

from __future__ import annotations

import re
from html import unescape

from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import User
from groundswell.actions.models import Petition
from groundswell.referrals.services import FIGURES
from groundswell.supporters.links import supporter_page_url
from groundswell.supporters.models import Supporter

from .test_referrals import sign


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def build_tree(petition: Petition) -> tuple[Supporter, Supporter]:
    """Ana brought Ben and Dev; Ben brought Cleo; Cleo brought Eve, who has not confirmed."""
    ana = sign(petition, "ana@example.net")
    ben = sign(petition, "ben@example.net", ref=ana.share_token.token, channel="whatsapp")
    sign(petition, "dev@example.net", ref=ana.share_token.token, channel="email")
    cleo = sign(petition, "cleo@example.net", ref=ben.share_token.token, channel="x")
    sign(petition, "eve@example.net", ref=cleo.share_token.token, confirm=False)
    Supporter.objects.filter(email__in=["ana@example.net", "ben@example.net"]).update(
        public_leaderboard=True
    )
    testing.run_periodic("rank_evangelists")  # as the worker does: pages read its result
    return ana.signature.supporter, ben.signature.supporter


EXPECTED = {"Ana": (3, 2), "Ben": (1, 1)}  # (generated, directly)


def test_the_figures_agree_and_are_explained_on_every_page(
    client: Client, alice: User, petition: Petition
) -> None:
    ana, ben = build_tree(petition)
    generated, direct = FIGURES.generated, FIGURES.direct

    # Staff: the evangelist page, for the whole organisation and for the campaign.
    client.force_login(alice)
    for query in ("", f"?campaign={petition.campaign_id}"):
        html = client.get(reverse("referrals:evangelists", args=["alices"]) + query)
        page = html.content.decode()
        thead = re.search(r"<thead>(.*?)</thead>", page, re.S)
        assert thead
        head = thead.group(1)
        columns = re.findall(r"<th>(.*?)</th>", head)
        g, d = columns.index(str(generated.label)), columns.index(str(direct.label))
        found = {}
        for row in re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S):
            cells = [text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            found[cells[1].split()[0]] = (int(cells[g]), int(cells[d]))
        assert found == EXPECTED
        assert str(generated.means) in text(page) and str(direct.means) in text(page)

    # Public: the campaign's leaderboard (both chose to appear on it).
    client.logout()
    campaign = petition.campaign
    page = client.get(
        reverse("referrals:leaderboard", args=["alices", campaign.slug])
    ).content.decode()
    found = {}
    for item in re.findall(r"<li>(.*?)</li>", page.split('class="leaderboard"')[1], re.S):
        line = text(item)
        name = line.split()[0]
        generated_count = re.search(rf"{generated.label}: (\d+)", line)
        direct_count = re.search(rf"{direct.label}: (\d+)", line)
        assert generated_count and direct_count
        found[name] = (int(generated_count.group(1)), int(direct_count.group(1)))
    assert found == EXPECTED
    assert str(generated.means) in text(page) and str(direct.means) in text(page)

    # Private: each supporter's own page, from the link in their emails.
    for supporter in (ana, ben):
        page = text(client.get(supporter_page_url(supporter.pk)).content.decode())
        want_generated, want_direct = EXPECTED[supporter.given_name]
        assert f"{want_generated} {generated.label}" in page
        assert f"{want_direct} {direct.label}" in page
        assert f"Your sharing generated {want_generated} signature" in page
        assert str(generated.means_you) in page and str(direct.means_you) in page
