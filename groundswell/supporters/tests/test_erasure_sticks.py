"""Erasure sticks: nothing still waiting re-creates the person, and their old links are dead."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions import intake
from groundswell.actions.emails import _send_confirmation_batch
from groundswell.actions.models import Petition, Signature, SignatureIntake, SignatureState
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Supporter
from groundswell.testing import ClientResponse

ASHA = "asha.verma@example.net"


@pytest.fixture
def queued(task_queue: None) -> None:
    """A real task queue: the intake waits until the test processes it."""


def post_sign(client: Client, petition: Petition, email: str = ASHA) -> ClientResponse:
    response = client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]),
        {"given_name": "Asha", "email": email, "consent": "on", "wants_updates": "on"},
    )
    assert response.status_code == 302
    return response


def local(url: str) -> str:
    return url.replace("http://127.0.0.1:8000", "")


def test_erasing_drops_signatures_still_in_the_intake_so_the_person_does_not_come_back(
    client: Client,
    org: Organisation,
    owner: Membership,
    petition: Petition,
    queued: None,
    smtp_server: testing.LocalSMTPServer,
    charlie: User,
) -> None:
    meadow = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    charlies_org = charlie.memberships.get().organisation
    elsewhere = testing.make_petition(
        testing.membership(charlie, charlies_org),
        testing.make_campaign(testing.membership(charlie, charlies_org)),
    )
    post_sign(client, petition)
    intake.process()
    _send_confirmation_batch()
    asha = Supporter.objects.get(organisation=org)
    post_sign(client, meadow, email="ASHA.VERMA@example.net")  # waits in the intake
    post_sign(client, elsewhere)  # another organisation's record of her is not ours to erase
    assert SignatureIntake.objects.count() == 2
    sent_before = len(smtp_server.messages)

    assert erase_supporter(owner, asha) is True
    assert list(SignatureIntake.objects.values_list("petition_id", flat=True)) == [elsewhere.pk]
    intake.process()
    _send_confirmation_batch()

    assert not Supporter.objects.filter(organisation=org, erased_at__isnull=True).exists()
    assert not Signature.objects.filter(petition=meadow).exists()
    assert [m["To"] for m in smtp_server.messages[sent_before:]] == [ASHA]  # charlie's only
    assert Supporter.objects.get(organisation=charlies_org).email == ASHA


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL holds the rows FOR UPDATE: the erasure waits for the worker instead",
)
def test_a_row_erased_after_the_worker_read_it_is_not_recorded(
    client: Client, org: Organisation, owner: Membership, petition: Petition, queued: None
) -> None:
    meadow = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    post_sign(client, petition)
    intake.process()
    post_sign(client, meadow)
    rows = list(SignatureIntake.objects.all())  # the worker has read the row...
    erase_supporter(owner, Supporter.objects.get())  # ...when staff erase her
    assert intake._record_rows(rows, {}) == 1
    assert Supporter.objects.count() == 1
    assert not Signature.objects.filter(petition=meadow).exists()


def test_a_first_time_run_erased_midway_rolls_back_and_records_only_the_rest(
    client: Client, org: Organisation, owner: Membership, petition: Petition, queued: None
) -> None:
    post_sign(client, petition, "ben@example.net")
    post_sign(client, petition, "cara@example.net")
    rows = list(SignatureIntake.objects.order_by("id"))
    rows[0].delete()  # gone between the read and the write, as an erasure leaves it
    assert intake._record_rows(rows, {}) == 2
    assert list(Signature.objects.values_list("supporter__email", flat=True)) == [
        "cara@example.net"
    ]
    assert not SignatureIntake.objects.exists()


@pytest.fixture
def erased(
    client: Client,
    owner: Membership,
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
    worker_turn: Callable[..., None],
) -> tuple[Signature, dict[str, str]]:
    """Asha signed (pending) and was emailed her links; then staff erased her."""
    post_sign(client, petition)
    worker_turn()
    signature = Signature.objects.get()
    [confirm] = smtp_server.links("/confirm/")
    [impact] = smtp_server.links("/me/")
    [unsubscribe] = smtp_server.links("/unsubscribe/")
    urls = {"confirm": confirm, "impact": impact, "unsubscribe": unsubscribe}
    erase_supporter(owner, signature.supporter)
    return signature, urls


@pytest.mark.parametrize("kind", ["confirm", "impact", "unsubscribe"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_erased_persons_old_links_say_so_and_change_nothing(
    client: Client, erased: tuple[Signature, dict[str, str]], kind: str, method: str
) -> None:
    signature, urls = erased
    response = getattr(client, method)(local(urls[kind]))
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link no longer works" in html
    assert "has been erased" in html
    signature.refresh_from_db()
    assert signature.state == SignatureState.PENDING
    assert signature.confirmed_at is None
    assert not signature.supporter.consents.filter(confirmed_at__isnull=False).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's case is the test above: no row locks"
)
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_an_erasure_waits_for_the_worker_holding_the_rows(
    client: Client, org: Organisation, owner: Membership, petition: Petition, queued: None
) -> None:
    import threading
    import time

    from django.db import transaction

    meadow = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    post_sign(client, petition)
    intake.process()
    post_sign(client, meadow)
    asha = Supporter.objects.get()
    rows_held = threading.Event()
    failures = []

    def worker() -> None:
        try:
            with transaction.atomic():  # as `process` holds a chunk
                rows = list(SignatureIntake.objects.select_for_update().order_by("id"))
                rows_held.set()
                time.sleep(0.5)  # the erasure starts meanwhile, and must wait
                intake._record_rows(rows, {})
        except Exception as error:  # noqa: BLE001 - reported below: a thread's exception is lost otherwise
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert rows_held.wait(10)
    assert erase_supporter(owner, asha) is True
    thread.join(10)
    assert not failures
    # The worker recorded the meadow signature first; the erasure then covered it too.
    assert not Supporter.objects.exclude(email="").exists()
    assert Signature.objects.get(petition=meadow).supporter_id == asha.pk
    assert not SignatureIntake.objects.exists()
