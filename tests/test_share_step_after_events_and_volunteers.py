"""The share step after an RSVP or a volunteer sign-up is the one after signing: the
person's own link per channel, the sentence that says it is credited, the phone's share
sheet; and the emails that follow link the private page that shows what it brought."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition
from groundswell.events.models import Attendance
from groundswell.events.tests.conftest import make_event
from groundswell.referrals.tests.test_referrals import sign
from groundswell.supporters.links import supporter_page_url
from groundswell.supporters.models import Supporter
from groundswell.volunteers.models import Signup
from groundswell.volunteers.tests.conftest import make_need, make_shift, sign_up

pytestmark = pytest.mark.django_db


def test_the_share_step_after_an_rsvp_or_a_sign_up_is_the_one_after_signing(
    client: Client, owner: Membership, petition: Petition, smtp_server: testing.LocalSMTPServer
) -> None:
    event = make_event(owner, campaign=petition.campaign)
    url = reverse("events:rsvp", args=[event.organisation.slug, event.pk])
    thanks = client.get(
        client.post(url, {"given_name": "Ana", "email": "ana@example.net"})["Location"]
    )
    need = make_need(owner)
    done = client.get(sign_up(client, need, make_shift(owner, need))["Location"])
    eve = sign(petition, "eve@example.net").share_token.token
    signed = client.get(reverse("actions:thanks", args=["alices", petition.pk, eve]))
    for page, token in (
        (signed, eve),
        (thanks, Attendance.objects.get().share_token),
        (done, Signup.objects.get().share_token),
    ):
        html = page.content.decode()
        assert "Each share button uses your own link" in html
        assert "groundswell/share.js" in html  # the phone's share sheet, as after signing
        # Their own link, tagged per channel.
        assert f"ref={token}&amp;ch=copy" in html and f"ref={token}&amp;ch=mastodon" in html
    # Their emails link the private page that shows what the link brought.
    testing.run_periodic("decide_rsvps", "decide_signups")
    ana = Supporter.objects.get(email="ana@example.net")
    own = urlsplit(supporter_page_url(ana.pk)).path
    assert len([b for b in smtp_server.bodies() if own in b]) == 1
    ravi = Supporter.objects.get(email="ravi@example.net")
    assert any(urlsplit(supporter_page_url(ravi.pk)).path in b for b in smtp_server.bodies())
