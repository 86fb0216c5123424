from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature, SignatureState
from groundswell.actions.services import recount
from groundswell.supporters.models import Consent, Supporter


def sign_url(petition: Petition) -> str:
    return reverse("actions:sign", args=[petition.organisation.slug, petition.pk])


def form(**overrides: str | None) -> dict[str, str]:
    data: dict[str, str | None] = {
        "given_name": "Asha",
        "family_name": "Verma",
        "email": "asha@example.net",
        "consent": "on",
        "wants_updates": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_signing_stores_one_pending_signature_with_consents_and_emails_a_link(
    client: Client,
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
    worker_turn: Callable[..., None],
) -> None:
    response = client.post(sign_url(petition), form())
    assert response.status_code == 302
    worker_turn()
    assert "/thanks/" in response["Location"]
    signature = Signature.objects.get()
    assert signature.state == SignatureState.PENDING
    assert signature.supporter.email_key == "asha@example.net"
    consents = Consent.objects.filter(supporter=signature.supporter)
    assert sorted(consents.values_list("purpose", "granted")) == [
        ("petition", True),
        ("updates", True),
    ]
    assert all(
        c.wording_id in (petition.consent_wording_id, petition.updates_wording_id) for c in consents
    )
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "asha@example.net"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [confirm] = smtp_server.links("/confirm/")
    # The link shows a button; pressing it (a POST) confirms, then shows the result.
    page = client.post(confirm.replace("http://127.0.0.1:8000", ""), follow=True)
    assert page.status_code == 200
    assert "Your signature is confirmed" in page.content.decode()
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED
    assert not consents.filter(granted=True, confirmed_at__isnull=True).exists()
    tally = recount(petition.pk)
    assert (tally.confirmed, tally.pending) == (1, 0)


def test_a_second_signature_is_not_an_error_and_emails_only_once_more(
    client: Client,
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
    worker_turn: Callable[..., None],
) -> None:
    for attempt in range(5):
        response = client.post(sign_url(petition), form(email="A.S.H.A+petition@GoogleMail.com"))
        assert response.status_code == 302, attempt
        worker_turn()
    assert Signature.objects.count() == 1
    assert Supporter.objects.get().email_key == "asha@gmail.com"
    # The confirmation, then one "you have already signed" email: the repeats within
    # REPEAT_NOTICE_EVERY send nothing more (test_already_signed.py).
    assert len(smtp_server.messages) == 2


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address."),
        ("not-an-email", "exactly one @"),
        ("a@b@c.org", "exactly one @"),
        ("asha@localhost", "needs a dot"),
        ("asha@mailinator.com", "use an address you keep"),
        ("x" * 250 + "@example.org", "too long"),
    ],
)
def test_bad_emails_get_a_clear_message_and_keep_what_was_typed(
    client: Client, petition: Petition, email: str, message: str
) -> None:
    response = client.post(sign_url(petition), form(email=email, given_name="Kept Name"))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'value="Kept Name"' in html
    assert not Signature.objects.exists()


def test_missing_consent_is_refused(client: Client, petition: Petition) -> None:
    response = client.post(sign_url(petition), form(consent=None))
    assert "Tick this box to sign" in response.content.decode()
    assert not Signature.objects.exists()


def test_absurdly_long_fields_are_refused(client: Client, petition: Petition) -> None:
    response = client.post(sign_url(petition), form(given_name="A" * 5000))
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()


def test_unicode_domains_are_folded_for_deduplication(
    client: Client, petition: Petition, worker_turn: Callable[..., None]
) -> None:
    client.post(sign_url(petition), form(email="asha@bücher.example"))
    worker_turn()
    client.post(sign_url(petition), form(email="ASHA@xn--bcher-kva.example"))
    worker_turn()
    assert Signature.objects.count() == 1


def test_a_closed_petition_takes_no_signatures(
    client: Client, petition: Petition, owner: Membership
) -> None:
    from groundswell.actions.petitions import update_petition

    update_petition(owner, petition, {"status": "closed"})
    response = client.post(sign_url(petition), form())
    assert response.status_code == 400
    assert "This petition is closed" in response.content.decode()
    assert not Signature.objects.exists()


def test_a_burst_from_one_address_is_rate_limited(
    client: Client, petition: Petition, settings: Settings, worker_turn: Callable[..., None]
) -> None:
    from django.core.cache import cache

    cache.clear()
    statuses = [
        client.post(sign_url(petition), form(email=f"p{n}@example.net")).status_code
        for n in range(25)
    ]
    assert statuses.count(302) == 20
    last = client.post(sign_url(petition), form(email="late@example.net"))
    assert last.status_code == 429
    assert "Too many signatures from your connection" in last.content.decode()
    worker_turn()
    assert Signature.objects.count() == 20
    cache.clear()


def test_forged_and_expired_confirmation_links_are_refused(
    client: Client,
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
    worker_turn: Callable[..., None],
) -> None:
    from datetime import timedelta

    from django.core import signing

    client.post(sign_url(petition), form())
    worker_turn()
    assert client.get("/confirm/forged-token/").status_code == 400
    signature = Signature.objects.get()
    old = signing.TimestampSigner(salt="groundswell.confirm")
    token = signing.dumps(signature.pk, salt="groundswell.confirm", compress=False)
    # A token signed long ago: craft it with the timestamp of 30 days back.
    import time

    real_time = time.time
    try:
        time.time = lambda: real_time() - timedelta(days=30).total_seconds()
        token = signing.dumps(signature.pk, salt="groundswell.confirm", compress=False)
    finally:
        time.time = real_time
    response = client.get(f"/confirm/{token}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    signature.refresh_from_db()
    assert signature.state == SignatureState.PENDING
    del old


def test_the_campaign_page_shows_the_form_and_separate_counts(
    client: Client, petition: Petition, worker_turn: Callable[..., None]
) -> None:
    Signature.objects.all().delete()
    for n in range(3):
        client.post(sign_url(petition), form(email=f"s{n}@example.net"))
    worker_turn()
    Signature.objects.filter(supporter__email="s0@example.net").update(state="confirmed")
    recount(petition.pk)
    html = client.get(petition.campaign.get_absolute_url()).content.decode()
    assert "<strong>1</strong> confirmed signatures" in html
    assert "2 waiting for email confirmation" in html
    assert 'max="1000" value="1"' in html
    assert f'action="{sign_url(petition)}"' in html


def test_a_body_that_is_not_utf8_gets_an_answer_not_a_crash(
    client: Client, petition: Petition
) -> None:
    response = client.post(
        sign_url(petition),
        data=b"given_name=\xff\xfe&email=a\xc3@example.net&consent=on",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_the_recount_task_is_kept_single_in_the_queue(task_queue: None, petition: Petition) -> None:
    from django_tasks_db.models import DBTaskResult

    from groundswell.actions.tasks import recount_petitions
    from groundswell.lib.periodic import keep_one_waiting

    assert keep_one_waiting(recount_petitions) is True
    assert keep_one_waiting(recount_petitions) is False
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_each_petition_keeps_its_own_fields_and_wording_in_the_shared_form(
    client: Client, petition: Petition, owner: Membership
) -> None:
    from groundswell import testing
    from groundswell.actions.forms import SignForm
    from groundswell.actions.petitions import update_petition

    other = testing.make_petition(owner, petition.campaign, title="Second ask")
    update_petition(owner, other, {"collect_postcode": True, "consent_text": "Deliver my name."})
    other.refresh_from_db()
    plain = SignForm(petition=petition)
    with_postcode = SignForm({"postcode": "AB1 2CD"}, petition=other)
    assert "postcode" not in plain.fields and "postcode" in with_postcode.fields
    assert with_postcode.fields["consent"].label == "Deliver my name."
    assert plain.fields["consent"].label == petition.consent_wording.text
    with_postcode.is_valid()
    # Errors and data live on the form, never on the shared fields.
    assert "email" in with_postcode.errors and not SignForm(petition=other).errors
    update_petition(owner, other, {"consent_text": "New words."})
    other.refresh_from_db()
    assert SignForm(petition=other).fields["consent"].label == "New words."
