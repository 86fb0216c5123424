from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from groundswell.actions.services import recount
from groundswell.lib import pagecache


def test_anonymous_readers_share_one_copy_with_their_own_referral(client, petition):
    url = petition.campaign.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url + '?ref=abc"><script>&ch=whatsapp')
    assert len(queries) == 0  # served from the copy
    html = response.content.decode()
    assert 'name="ref" value="abc&quot;&gt;&lt;script&gt;"' in html
    assert 'name="ch" value="whatsapp"' in html
    assert response["Cache-Control"] == "public, max-age=2"
    assert response.cookies["gs_ref"].value == 'abc"><script>:whatsapp'
    plain = Client().get(url).content.decode()  # another reader, without that cookie
    assert 'name="ref" value=""' in plain  # nobody else's referral leaks into the copy


def test_signed_in_staff_always_get_a_fresh_page(client, alice, petition):
    url = petition.campaign.get_absolute_url()
    client.force_login(alice)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert len(queries) > 0
    assert "Staff area" in html


def test_the_count_on_the_copy_is_at_most_a_few_seconds_old(client, petition, monkeypatch):
    url = petition.campaign.get_absolute_url()
    assert "<strong>0</strong> confirmed" in client.get(url).content.decode()
    from groundswell.actions.models import PetitionTally

    PetitionTally.objects.filter(petition=petition).update(confirmed=7)
    assert "<strong>0</strong> confirmed" in client.get(url).content.decode()  # the copy
    now = pagecache.time.monotonic()
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: now + pagecache.SECONDS + 0.1)
    assert "<strong>7</strong> confirmed" in client.get(url).content.decode()
    recount(petition.pk)
