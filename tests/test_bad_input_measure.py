"""R2 for the staff forms of the time log and the outcome ledger: bad input never gets a 5xx.

The public forms have tests/test_bad_input.py, which finds them as a stranger would. These
forms are behind sign-in, so the suite signs in as the organisation's owner, reads each form
from its page, and sends it the same generated bad requests (tests/bad_input_strategies.py)
with the same checks (tests/bad_input_checks.py): every answer under 500, every refusal
saying why (the form again with the GOV.UK error summary and "Error:" in the title, or a
page with a heading), nothing stored changed by a refused request, and everything an
accepted one stored rolled back before the next.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition
from groundswell.ledger.services import add_entry
from groundswell.timelog import services as timelog

from .bad_input_cast import Cast
from .bad_input_checks import Fingerprints
from .bad_input_discovery import Target
from .bad_input_html import read
from .test_bad_input import Run

logger = logging.getLogger(__name__)
TOTAL = 1_800  # 300 generated requests per form
BATCH = 8


def _targets(client: Client, owner: Membership, petition: Petition) -> list[Target]:
    """Each form as its page shows it, with the signed-in owner's session."""
    entry = add_entry(
        owner,
        {"campaign": petition.campaign, "petition": petition, "kind": "ask",
         "happened_on": timelog.today(), "title": "Asked the minister"},
    )  # fmt: skip
    time_entry = timelog.add_entry(owner, {"date": timelog.today(), "minutes": 5,
                                           "activity": "listening"})  # fmt: skip
    slug = owner.organisation.slug
    pages = [
        ("timelog:home", {}, "timelog:timer_start", {}),
        ("timelog:entry_new", {}, "timelog:entry_new", {}),
        ("timelog:entry", {"entry_id": time_entry.pk}, "timelog:entry",
         {"entry_id": time_entry.pk}),
        ("timelog:budget", {}, "timelog:budget", {}),
        ("ledger:entry_new", {}, "ledger:entry_new", {}),
        ("ledger:report", {"ledger_entry_id": entry.pk}, "ledger:report",
         {"ledger_entry_id": entry.pk}),
    ]  # fmt: skip
    session = {
        django_settings.SESSION_COOKIE_NAME: client.cookies[
            django_settings.SESSION_COOKIE_NAME
        ].value
    }
    targets = []
    for page, page_kwargs, action, action_kwargs in pages:
        html = client.get(reverse(page, kwargs={"org": slug, **page_kwargs})).content.decode()
        url = reverse(action, kwargs={"org": slug, **action_kwargs})
        forms = [form for form in read(html).forms if (form.action or url) == url]
        # The budget page has a second form, to remove it: the one with fields is the form.
        form = max(forms, key=lambda found: len(found.fields))
        values = {"org": slug, **{k: str(v) for k, v in action_kwargs.items()}}
        targets.append(Target("form", url, action, form, values=values, cookies=session))
    return targets


def test_the_measure_forms_refuse_bad_input_clearly_and_change_nothing(
    client: Client, alice: User, owner: Membership, petition: Petition, task_queue: None
) -> None:
    client.force_login(alice)
    client.get(reverse("timelog:home", args=[owner.organisation.slug]))  # the session's org
    targets = _targets(client, owner, petition)
    assert [t.name for t in targets] == [
        "timelog:timer_start", "timelog:entry_new", "timelog:entry", "timelog:budget",
        "ledger:entry_new", "ledger:report",
    ]  # fmt: skip
    assert all(len(t.form.fields) >= 2 for t in targets if t.form)  # csrf and at least one
    cast = Cast(by_name={}, by_parameter={}, remote_key_id="", remote_actor="",
                wrong_key=None, right_key=None, api_token="")  # type: ignore[arg-type]  # fmt: skip
    prints = Fingerprints()
    runner = Run(prints)
    share = math.ceil(TOTAL / len(targets))
    with prints.watching():
        for target in targets:
            runner.run(target, cast, math.ceil(share / BATCH))
    tally = runner.tally
    sent, refused = sum(tally.sent.values()), sum(tally.refused.values())
    logger.info("%d bad requests, %d refused; statuses %s", sent, refused, tally.statuses)
    assert sent >= TOTAL
    assert refused >= sent * 0.5, (refused, sent)
    assert not prints.check_everything(), "stored data differs after the run"
