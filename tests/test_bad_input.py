"""R2 for every public endpoint, including the ones not built yet: bad input never gets a 5xx.

Discovery (tests/bad_input_discovery.py) finds every URL that takes POST from the public:
the forms its pages show, the OSDI API's operations from its OpenAPI schema, the inboxes
the actor documents name, and anything else exempt from CSRF or reading a body (a webhook
added later gets raw bodies). Each gets its share of at least 10,000 generated bad requests.

Every answer must be under 500. Every refusal must be a 4xx (only Django's own admin may
show its form again with a 200) and must say why: the form again with the GOV.UK error
summary and "Error:" in the title, a page with a heading, or a JSON error. A refused
request must leave every stored row as it was (rate-limit counts aside). A request spoilt
beyond any reading (a required field missing, over its length, a NUL, a signature by the
wrong key) must be refused. Each request runs in a savepoint that
is then rolled back, so what an accepted request stored never leaks into the next one, and
the rate limits start afresh: most requests reach validation, not a 429.

The run takes about 80 s of CPU on SQLite (the tally: pytest -o log_cli=true
-o log_cli_level=INFO tests/test_bad_input.py).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, User

from .bad_input_cast import INVITATION_TOKEN, Cast, make_cast
from .bad_input_checks import Fingerprints, refused_in_place, refused_with_success, unclear
from .bad_input_discovery import Discovery, Target, describe, discover
from .bad_input_html import Field, Form
from .bad_input_inbox import deliveries
from .bad_input_strategies import (
    Sent,
    encode,
    form_requests,
    json_bodies,
    query_strings,
    raw_bodies,
)

logger = logging.getLogger(__name__)
TOTAL = 10_000
BATCH = 8  # requests per example
TOKEN_HEADER = "OSDI-API-Token"
TAMPERED = ["0", "99999999999999999999", str(2**63), "-1", "%00", "%E4%B8%AD", "%ED%A0%80"]


@dataclass
class Tally:
    sent: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)


@st.composite
def tampered(draw: st.DrawFn, target: Target, inner: SearchStrategy[Sent]) -> Sent:
    """Now and then one of the URL's own parameters is spoilt: that must be refused."""
    sent = draw(inner)
    if not target.values or draw(st.integers(0, 5)):
        return sent
    real = draw(st.sampled_from(sorted(target.values.values())))
    junk = draw(st.sampled_from([real[:-1], real + "x", real[:3] + "A" + real[4:], *TAMPERED]))
    if junk == real:
        return sent
    segments = [junk if part == real else part for part in target.url.split("/")]
    sent.path = "/".join(segments)
    sent.must_refuse = True
    sent.how += f" (URL {real[:12]!r} spoilt)"
    return sent


def as_query(sent: Sent) -> Sent:
    """A form's bad request sent as a GET form sends it: its body as the query string."""
    query = sent.body.decode("latin-1") if sent.body.isascii() else quote_from_bytes(sent.body)
    return Sent(b"", "", sent.must_refuse, f"{sent.how} as a query", query=query, method="GET")


def strategy(target: Target, cast: Cast) -> SearchStrategy[Sent]:
    inner: SearchStrategy[Sent]
    if target.kind == "form" and target.form is not None and target.method == "GET":
        inner = form_requests(target.form).map(as_query)
    elif target.kind == "form" and target.form is not None:
        inner = form_requests(target.form)
    elif target.kind == "inbox":
        inner = deliveries(cast, target.url)
    elif target.kind == "api" and target.method == "GET":
        inner = query_strings(target.operation)
    elif target.kind == "api":
        content = target.operation.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        inner = json_bodies(schema)
    else:
        inner = raw_bodies()
    if target.kind == "api" and target.operation.get("security"):
        inner = _with_token(inner, cast)
    return tampered(target, inner)


@st.composite
def _with_token(draw: st.DrawFn, inner: SearchStrategy[Sent], cast: Cast) -> Sent:
    sent = draw(inner)
    token = draw(st.sampled_from([cast.api_token] * 6 + ["", "gs_not-a-token", "\x00", "x" * 300]))
    if token:
        sent.headers[TOKEN_HEADER] = token
    if token != cast.api_token:
        sent.must_refuse = True
        sent.how += " (bad token)"
    return sent


class Run:
    """Sends the requests and checks each answer, keeping a tally."""

    def __init__(self, prints: Fingerprints) -> None:
        self.prints = prints
        self.tally = Tally()

    def send(self, target: Target, sent: Sent, accepted_wrote: set[str]) -> None:
        """One request in a savepoint of its own, rolled back after the checks: what an
        accepted one stored (a new password, an erasure) never meets the next request."""
        path = sent.path or target.url
        url = f"{path}?{sent.query}" if sent.query else path
        client = Client(raise_request_exception=False)
        for name, value in target.cookies.items():
            client.cookies[name] = value
        with transaction.atomic():
            response = client.generic(
                sent.method, url, sent.body, content_type=sent.content_type, headers=sent.headers
            )
            self._check(target, sent, response, path, accepted_wrote)
            transaction.set_rollback(True)
        self.prints.written.clear()

    def _check(
        self, target: Target, sent: Sent, response: Any, path: str, accepted_wrote: set[str]
    ) -> None:
        status = response.status_code
        self.tally.sent[target.name] += 1
        self.tally.statuses[status] += 1
        where = f"{sent.method} {path[:160]!r} ({target.kind}, {sent.how}): {status}"
        assert status < 500, f"a server error for {where}\n{_excerpt(response)}"
        assert not refused_with_success(response, path), f"a refusal answered {status}: {where}"
        if status < 400 and not refused_in_place(response, path):
            assert not sent.must_refuse, f"accepted what it must refuse: {where}"
            accepted_wrote.update(self.prints.written)
            return
        self.tally.refused[target.name] += 1
        problem = unclear(response, path)
        assert problem is None, f"{problem}: {where}\n{_excerpt(response)}"
        changed = self.prints.changed_since(self.prints.baseline)
        assert not changed, f"a refused request changed {changed}: {where}"

    def run(self, target: Target, cast: Cast, examples: int) -> None:
        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(batch=st.lists(strategy(target, cast), min_size=BATCH, max_size=BATCH))
        def example(batch: list[Sent]) -> None:
            accepted_wrote: set[str] = set()
            for sent in batch:
                self.send(target, sent, accepted_wrote)
            # Back to the cast: whatever an accepted request stored is gone again.
            self.prints.written.update(accepted_wrote)
            assert not self.prints.changed_since(self.prints.baseline), accepted_wrote

        example()


def _excerpt(response: Any) -> str:
    if response.streaming:
        return "(streamed)"
    return str(response.content[:600].decode(errors="replace"))


def _checked_discovery(cast: Cast) -> Discovery:
    found = discover(cast)
    assert not found.unreachable, (
        "These public URLs cannot be reached with real objects, so no bad input would reach "
        "them. Give tests/bad_input_cast.py a real value for them:\n" + "\n".join(found.unreachable)
    )
    kinds = Counter(target.kind for target in found.targets)
    # Discovery itself must keep working: these exist today, so finding none means it broke.
    assert kinds["form"] >= 5 and kinds["inbox"] == 2 and kinds["api"] >= 2, describe(found)
    return found


def test_every_public_endpoint_refuses_bad_input_clearly_and_changes_nothing(
    owner: Membership, charlie: User, task_queue: None
) -> None:
    cast = make_cast(owner, charlie)
    found = _checked_discovery(cast)
    prints = Fingerprints()
    runner = Run(prints)
    share = math.ceil(TOTAL / len(found.targets))
    with prints.watching():
        for target in found.targets:
            runner.run(target, cast, math.ceil(share / BATCH))
    tally = runner.tally
    sent, refused = sum(tally.sent.values()), sum(tally.refused.values())
    logger.info("%d bad requests, %d refused; statuses %s", sent, refused, tally.statuses)
    for name, count in sorted(tally.sent.items()):
        logger.info("%s: %d sent, %d refused", name, count, tally.refused[name])
    assert sent >= TOTAL
    assert all(count >= share for count in tally.sent.values()), tally.sent
    # Most requests must be refused for the data check to mean anything.
    assert refused >= sent * 0.6, (refused, sent)
    assert not prints.check_everything(), "stored data differs from the cast after the run"


def test_a_public_url_added_later_is_found_or_named(
    owner: Membership, charlie: User, settings: Settings
) -> None:
    settings.ROOT_URLCONF = "tests.bad_input_newcomers"
    found = discover(make_cast(owner, charlie))
    report = [t for t in found.targets if t.url == "/o/alices/report-this/"]
    assert [(t.kind, t.name) for t in report] == [("form", "newcomers:report")]
    assert report[0].form is not None
    assert [f.name for f in report[0].form.fields] == ["reason"]
    webhook = [line for line in found.unreachable if line.startswith("newcomers:webhook")]
    assert webhook == ["newcomers:webhook (/webhooks/x/): no value for ['provider']"]


def test_the_sign_in_password_and_code_forms_are_sent_bad_input_and_refuse_with_400(
    owner: Membership, charlie: User, task_queue: None
) -> None:
    """The staff sign-in, both password-reset forms, the code step of a two-factor sign-in
    (shown only to the session whose password was right) and the invitation's sign-up are
    each found as forms, and a refusal of theirs that answered 200 would fail the run."""
    cast = make_cast(owner, charlie)
    found = discover(cast)
    forms = {target.url: target for target in found.targets if target.kind == "form"}
    uid = cast.by_name["accounts:password_reset_confirm"]["uidb64"]
    code_step = reverse("accounts:signin_code")
    expected = {
        reverse("accounts:login"): {"username", "password"},
        reverse("accounts:password_reset"): {"email"},
        f"/accounts/reset/{uid}/set-password/": {"new_password1", "new_password2"},
        code_step: {"code"},
        reverse("accounts:invitation", args=[INVITATION_TOKEN]): {"name", "password1"},
    }
    for url, fields in expected.items():
        assert url in forms, f"{url} is not sent bad input:\n{describe(found)}"
        form = forms[url].form
        assert form is not None and fields <= {each.name for each in form.fields}, url
    visitor = Client()
    for name, value in forms[code_step].cookies.items():
        visitor.cookies[name] = value
    refused = visitor.post(code_step, {"code": "not-a-code"})
    assert refused.status_code == 400
    assert unclear(refused, code_step) is None  # the form again, with the summary
    assert "That code is not right" in refused.content.decode()
    refused.status_code = 200
    assert refused_with_success(refused, code_step)


def test_the_checks_themselves_can_fail(client: Client, owner: Membership) -> None:
    """A refusal without a heading, a JSON refusal without an error, and a refused request
    that wrote a row are each caught."""
    from django.http import HttpResponse

    from groundswell.campaigns.models import Campaign

    page = HttpResponse("<title>x</title><p>no</p>", status=400)
    page.wsgi_request = client.get("/").wsgi_request  # type: ignore[attr-defined]
    assert unclear(page, "/") == "an HTML refusal without a heading"
    assert unclear(HttpResponse(b'{"ok": 1}', content_type="application/json"), "/")
    prints = Fingerprints()
    with prints.watching():
        testing.make_campaign(owner, slug="written-by-a-refusal")
    assert Campaign._meta.db_table in prints.changed_since(prints.baseline)
    assert encode("\ud800") == b"\xed\xa0\x80"


# Staff forms sent by GET (a report's date range) are not found by discovery, which looks for
# what the public may POST; each is named here with the page that shows it.
STAFF_GET_FORMS = {"analytics:organisation": ("date-range", "from_day")}
STAFF_GET_EXAMPLES = 150  # batches of BATCH requests each


def _get_form(html: str, css_class: str) -> Form:
    """The fields of the GET form with this class, as the page shows them."""
    start = html.index(f'class="{css_class}"')
    body = html[start : html.index("</form>", start)]

    def attribute(tag: str, name: str) -> str:
        found = re.search(rf'\b{name}="([^"]*)"', tag)
        return found[1] if found else ""

    fields = []
    for tag in re.findall(r"<input[^>]*>", body):
        limit = attribute(tag, "maxlength")
        name, kind, value = attribute(tag, "name"), attribute(tag, "type"), attribute(tag, "value")
        fields.append(Field(name, kind or "text", value, maxlength=int(limit) if limit else None))
    return Form(action="", enctype="", fields=fields)


@pytest.mark.parametrize("name", sorted(STAFF_GET_FORMS))
def test_staff_forms_sent_by_get_refuse_bad_input_clearly(
    owner: Membership, charlie: User, alice: User, name: str
) -> None:
    from django.conf import settings as django_settings
    from django.urls import reverse

    cast = make_cast(owner, charlie)
    client = Client()
    client.force_login(alice)
    url = reverse(name, args=[owner.organisation.slug])
    css_class, first = STAFF_GET_FORMS[name]
    form = _get_form(client.get(url).content.decode(), css_class)
    assert first in [one.name for one in form.fields] and all(f.maxlength for f in form.fields)
    session = {
        django_settings.SESSION_COOKIE_NAME: client.cookies[
            django_settings.SESSION_COOKIE_NAME
        ].value
    }
    target = Target("form", url, name, form, method="GET", cookies=session)
    prints = Fingerprints()
    runner = Run(prints)
    with prints.watching():
        runner.run(target, cast, STAFF_GET_EXAMPLES)
    assert runner.tally.sent[name] >= STAFF_GET_EXAMPLES * BATCH
    assert runner.tally.refused[name] >= runner.tally.sent[name] * 0.3, runner.tally
    assert not prints.check_everything()
