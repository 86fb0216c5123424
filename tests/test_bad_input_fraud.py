"""The R2 checks on the fraud app's staff forms: bad input as an owner, never a 5xx.

The public forms have tests/test_bad_input.py, which finds them by itself; staff forms sit
behind sign-in, so these are named here and driven with the same strategies and checks
(tests/bad_input_*.py): every answer under 500, every refusal the form again with the
GOV.UK summary and "Error:" in the title (or a page with a heading), and nothing stored
changed by a refused request (sessions aside). A preview never writes, accepted or not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy

from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition
from groundswell.actions.services import SignatureRequest, sign_petition

from .bad_input_checks import Fingerprints, refused_in_place, unclear
from .bad_input_html import read
from .bad_input_strategies import Sent, form_requests

SESSIONS = {"django_session", "accounts_staffsession"}


def _check(client: Client, url: str, sent: Sent, prints: Fingerprints) -> bool:
    """Send one request in a savepoint rolled back after; whether it was refused."""
    with transaction.atomic():
        response = client.generic(sent.method, url, sent.body, content_type=sent.content_type)
        status = response.status_code
        assert status < 500, f"{status} for {sent!r}"
        refused = status >= 400 or refused_in_place(response, url)
        if refused:
            problem = unclear(response, url)
            assert problem is None, f"{problem}: {sent!r}"
            changed = set(prints.changed_since(prints.baseline)) - SESSIONS
            assert not changed, f"a refused request changed {changed}: {sent!r}"
        else:
            assert not sent.must_refuse, f"accepted what it must refuse: {sent!r}"
            prints.written.clear()
        transaction.set_rollback(True)
    return refused


def _count(
    tally: dict[str, int], client: Client, url: str, sent: Sent, prints: Fingerprints
) -> None:
    tally["sent"] += 1
    tally["refused"] += _check(client, url, sent, prints)


def _run(requests: SearchStrategy[Sent], send: Callable[[Sent], None]) -> None:
    @settings(
        max_examples=150,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(sent=requests)
    def example(sent: Sent) -> None:
        send(sent)

    example()


def test_the_invalidation_and_alert_forms_refuse_bad_input_clearly(
    alice: User, owner: Membership, petition: Petition
) -> None:
    sign_petition(
        petition,
        SignatureRequest(email="bot@example.net", given_name="B", network="203.0.113.0/24"),
    )
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    organisation = owner.organisation
    invalidate = reverse("fraud:invalidate", args=[organisation.slug])
    trends = reverse("fraud:trends", args=[organisation.slug])
    alerts = reverse("fraud:alert_email", args=[organisation.slug])
    pages = {invalidate: invalidate, alerts: trends}  # the URL posted to: the page showing it
    targets = [
        (url, form)
        for url, page in pages.items()
        for form in read(client.get(page).content.decode()).forms
        if (form.action or page) == url  # not the language switcher
    ]
    assert sorted(url for url, _form in targets) == sorted(pages), targets
    prints = Fingerprints()
    tally = {"sent": 0, "refused": 0}
    with prints.watching():
        for url, form in targets:
            _run(form_requests(form), functools.partial(_count, tally, client, url, prints=prints))
    assert tally["sent"] >= 300
    assert tally["refused"] >= tally["sent"] * 0.5, tally
    assert not set(prints.check_everything()) - SESSIONS
