"""Small `make_*` helpers for tests. Only test code imports this module."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from PIL import Image

from groundswell.accounts.models import Membership, Organisation, User
from groundswell.accounts.services import create_organisation
from groundswell.campaigns.models import Campaign
from groundswell.campaigns.services import create_campaign
from groundswell.stories.models import Story
from groundswell.stories.services import create_story

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import Settings

    from groundswell.actions.models import Petition

    # What the test client answers: a response with `json()`, `context`, `templates` and
    # `redirect_chain`, a class that exists only in django-stubs.
    ClientResponse = _MonkeyPatchedWSGIResponse
else:
    from django.http import HttpResponse

    ClientResponse = HttpResponse

PASSWORD = "correct horse battery staple"


def make_user(email: str, name: str) -> User:
    return User.objects.create_user(email, PASSWORD, name=name)


def make_organisation(
    owner: User, *, name: str, slug: str, approved: bool = True, **fields: Any
) -> Organisation:
    return create_organisation(name=name, slug=slug, owner=owner, approved=approved, **fields)


def add_member(organisation: Organisation, user: User, role: str) -> Membership:
    return Membership.objects.create(organisation=organisation, user=user, role=role)


def membership(user: User, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(
        user=user, organisation=organisation
    )


def make_campaign(member: Membership, **fields: Any) -> Campaign:
    data = {"title": "Clean Rivers Now", "slug": "clean-rivers", "status": "live", **fields}
    return create_campaign(member, data)


def make_story(member: Membership, **fields: Any) -> Story:
    data = {
        "title": "The river at dawn",
        "slug": "river-at-dawn",
        "summary": "What we saw on the bank.",
        "body": "We walked the **whole** bank.",
        "language": "en",
        **fields,
    }
    return create_story(member, data)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (800, 500)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


class LocalWebServer:
    """A tiny threaded HTTP server on 127.0.0.1 for tests of the outbound client."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                status, headers, body = owner.routes.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LocalSMTPServer:
    """aiosmtpd on 127.0.0.1: tests read the messages a real SMTP exchange delivered.

    It can also be difficult, as real servers are: recipients in `refuse` are refused for
    good at RCPT (550), those in `defer` turned away for now (450), those in `closing` met
    with the server going away (421), and once it has taken `accept` messages it answers
    every DATA with 451. A test may change these meanwhile.
    `envelopes` holds (MAIL FROM, RCPT TOs, MAIL options) per message taken.
    """

    def __init__(
        self,
        *,
        refuse: Iterable[str] = (),
        defer: Iterable[str] = (),
        closing: Iterable[str] = (),
        accept: int | None = None,
    ) -> None:
        import email
        import email.policy
        import socket

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import SMTP, Envelope, Session

        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str | None, list[str], list[str]]] = []
        self.refuse = set(refuse)
        self.defer = set(defer)
        self.closing = set(closing)
        self.accept = accept
        owner = self

        class Handler:
            async def handle_RCPT(
                self,
                server: SMTP,
                session: Session,
                envelope: Envelope,
                address: str,
                options: list[str],
            ) -> str:
                if address in owner.refuse:
                    return "550 5.1.1 No such mailbox"
                if address in owner.defer:
                    return "450 4.2.1 Mailbox busy, try again later"
                if address in owner.closing:
                    return "421 4.3.2 Service shutting down"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
                if owner.accept is not None and len(owner.messages) >= owner.accept:
                    return "451 Try again later"
                assert isinstance(envelope.content, bytes)  # aiosmtpd keeps bytes unless asked
                owner.envelopes.append(
                    (envelope.mail_from, envelope.rcpt_tos, envelope.mail_options)
                )
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                owner.messages.append(message)
                return "250 Message accepted"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def use(self, settings: Settings) -> None:
        """Point Django's mailer (the test's `settings` fixture) at this server."""
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
            }
        }

    def bodies(self) -> list[str]:
        return [message.get_body(("plain",)).get_content() for message in self.messages]  # type: ignore[union-attr]

    def links(self, path_fragment: str) -> list[str]:
        import re

        found = []
        for body in self.bodies():
            found += re.findall(r"https?://\S*" + re.escape(path_fragment) + r"\S*", body)
        return found

    def stop(self) -> None:
        self.controller.stop()


def make_petition(member: Membership, campaign: Campaign, **fields: Any) -> Petition:
    from groundswell.actions.petitions import create_petition

    data = {
        "campaign": campaign,
        "title": "Stop the sewage",
        "ask": "Stop dumping sewage in the river by 2030.",
        "target_name": "Pat Minister",
        "target_role": "Minister for Water",
        "goal": 1000,
        **fields,
    }
    return create_petition(member, data)


def run_periodic(*names: str) -> None:
    """Run the named periodic tasks once each, in this order, as the worker would.

    Tests run no worker: where a test needs what the worker does after a request (signatures
    recorded from the intake, confirmation emails sent), it says so by calling this, e.g.
    `run_periodic("process_intake", "send_confirmations")`. An exception in a task reaches
    the test. An unknown name fails loudly, so a renamed task cannot leave a test doing
    nothing.
    """
    from groundswell.lib.periodic import discover

    registry = discover()
    for name in names:
        if name not in registry:
            raise LookupError(f"No periodic task is called {name!r}: {sorted(registry)}.")
        registry[name].call()


# What the worker does for a signature after the web form took it in: record it, email it.
SIGNING = ("process_intake", "send_confirmations")


class FakeClock:
    """A clock that stands still until told to move (the `clock` fixture)."""

    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or timezone.now()

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


def date_parts(name: str, day: date) -> dict[str, str]:
    """A GOV.UK date input's three boxes (lib/dateinput.py) as a form posts them."""
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }
