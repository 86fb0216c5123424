"""Many emails of one kind, sent fast: rendered once, filled in per person, sent over a few
SMTP connections at once, each recorded as soon as the server has taken it.

Profiled (bench/email_turns.py), one email built and sent through Django's EmailMessage
cost about 4 ms of CPU: two template renders, three `reverse()` calls, Python's header
registry parsing every header, and four SMTP round trips waited for one at a time. Here a
`Letter` is rendered and built by Django once, with placeholder slots where the
person-specific values go (name, links, address, Message-ID); each person's copy is that
message's bytes with the slots replaced. `deliver` then sends over `CONNECTIONS` SMTP
connections from threads (the waiting is I/O; the GIL is free meanwhile) while the calling
thread, the only one touching the database, records each accepted message.

Exactly once, as far as SMTP allows: a message is recorded only after the server's 250. A
worker killed between a 250 and its record sends that message again (same Message-ID) on
its next run. So that a kill doubles at most one message in all, not one per connection,
the connections overlap everything up to the last line of a message (MAIL, RCPT, DATA, the
body) but take turns for its end: only one at a time sends the final "." and holds the
lock until the server's reply is recorded.
"""

from __future__ import annotations

import contextlib
import email.policy
import logging
import queue
import re
import secrets
import smtplib
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from .backends import from_organisation

logger = logging.getLogger(__name__)

# SMTP connections a worker process sends over at once. Measured with bench/email_turns.py
# against aiosmtpd on 127.0.0.1: one connection spends most of its time waiting for
# replies; four overlap that waiting; more add nothing on two cores.
CONNECTIONS = 4
# RFC 5322: a line of a message may hold at most 998 octets.
MAX_LINE = 998

# Django's SMTP policy, but folding only past RFC 5322's hard limit: at 78 the header
# folder turns a long List-Unsubscribe URL into RFC 2047 encoded words, which mail apps
# do not read as a URL (RFC 2369 wants it as it is, in angle brackets).
POLICY = email.policy.SMTP.clone(max_line_length=MAX_LINE)

# Per process and random: no stored text (a petition title, a name) can contain a slot.
_NONCE = secrets.token_hex(8)
_ADDRESS_SLOT = f"gsslot{_NONCE}to@example.invalid"
# An address that needs nothing from the header machinery (no quoting, no IDNA): the
# prototype's bytes then hold it exactly as Django would have written it.
_LEADING_DOT = re.compile(rb"(?m)^\.")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def slot(name: str) -> str:
    """A placeholder for a per-person value, to render into a template instead of it.

    Letters and digits only, so template filters (email_name) pass it through unchanged.
    """
    return f"Gsslot{_NONCE}{name}"


@dataclass
class Outgoing:
    """One person's copy of a Letter, ready to send; `key` is the caller's, for `record`."""

    key: object
    to: str
    letter: Letter
    values: Mapping[str, str]

    def message(self) -> EmailMessage:
        """The copy as a Django EmailMessage (for other mail backends, and odd addresses)."""
        letter = self.letter
        message = EmailMessage(
            subject=letter.fill(letter.subject, self.values),
            body=letter.fill(letter.body, self.values),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.to],
            headers={name: letter.fill(value, self.values) for name, value in letter.headers},
        )
        return from_organisation(message, letter.organisation_id)


class Letter:
    """An email rendered once, with `slot(name)` wherever a person's own value goes."""

    def __init__(
        self,
        *,
        subject: str,
        body: str,
        headers: Mapping[str, str],
        organisation_id: int | None,
    ) -> None:
        self.subject = " ".join(subject.split())
        self.body = body
        self.headers = list(headers.items())
        self.organisation_id = organisation_id
        self._prototype: bytes | bool | None = False  # False: not built yet

    @staticmethod
    def fill(text: str, values: Mapping[str, str] | None = None) -> str:
        for name, value in (values or {}).items():
            text = text.replace(slot(name), value)
        return text

    def to(self, address: str, key: object, values: Mapping[str, str]) -> Outgoing:
        """This person's copy: `values` fill the slots of the body and the headers."""
        return Outgoing(key=key, to=address, letter=self, values=values)

    def raw(self, item: Outgoing) -> bytes:
        """The copy's bytes, for a server that takes 8BITMIME."""
        prototype = self._raw_prototype()
        encoded = {slot(name).encode(): value.encode() for name, value in item.values.items()}
        if (
            prototype is not None
            and _PLAIN_ADDRESS.fullmatch(item.to)
            and not any(b"\r" in value or b"\n" in value for value in encoded.values())
        ):
            data = prototype.replace(_ADDRESS_SLOT.encode(), item.to.encode())
            for marker, value in encoded.items():
                data = data.replace(marker, value)
            if all(len(line) <= MAX_LINE for line in data.split(b"\r\n")):
                return data
        # Anything unusual goes the whole way through Django's own machinery.
        return item.message().message(policy=POLICY).as_bytes()

    def _raw_prototype(self) -> bytes | None:
        if self._prototype is False:
            self._prototype = self._build_prototype()
        return self._prototype  # type: ignore[return-value]

    def _build_prototype(self) -> bytes | None:
        # Built with lines of up to 998 octets, the body goes as 8bit: Django's 78 would
        # turn most of these bodies (a long sentence, a link) into quoted-printable, where
        # a slot cannot be replaced in place. The sender asks for BODY=8BITMIME (RFC 6152).
        message = EmailMessage(
            subject=self.subject,
            body=self.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[_ADDRESS_SLOT],
            headers=dict(self.headers),
        ).message(policy=POLICY)
        if str(message.get("Content-Transfer-Encoding", "7bit")).lower() == "7bit":
            # A name filled in may not be ASCII; 8bit holds it unchanged, and ASCII too.
            message.replace_header("Content-Transfer-Encoding", "8bit")
        elif str(message["Content-Transfer-Encoding"]).lower() != "8bit":
            return None  # base64 (a NUL, a line past 998): slots cannot be replaced
        return message.as_bytes()


class Refused(Exception):
    """The mail server refused this message for good (a 5xx reply)."""


class Deferred(Exception):
    """The mail server turned this one recipient away for now (a 4xx reply to RCPT)."""


type Record = Callable[[list[Outgoing]], None]


def deliver(items: Sequence[Outgoing], record: Record, defer: Record | None = None) -> int:
    """Send `items`; call `record` (in this thread) with each group the server accepted.

    A message the server refuses for good (5xx) is recorded too, with a warning: sending it
    again would be refused again. A recipient the server turns away for now (a 4xx reply
    to RCPT: a full mailbox, greylisting) is handed to `defer` (in this thread), and the
    others go on: the caller decides when to try that one again (without `defer` it is
    just left for the next run). Any other temporary failure (a 4xx to MAIL or DATA, a
    lost connection) stops the sending and is raised once every accepted message is
    recorded; what was not sent stays for the next run. Returns how many were recorded.
    """
    if not items:
        return 0
    backend = mail.mailers.default
    if not isinstance(backend, SMTPBackend):
        # The demo's outbox, tests' memory: no network to wait on, one at a time.
        for item in items:
            backend.send_messages([item.message()])
            record([item])
        return len(items)
    return _Delivery(items, record, defer).run()


type _Ack = queue.SimpleQueue[None]


class _Delivery:
    def __init__(self, items: Sequence[Outgoing], record: Record, defer: Record | None):
        self.record = record
        self.defer = defer
        self.work: queue.SimpleQueue[Outgoing] = queue.SimpleQueue()
        for item in items:
            self.work.put(item)
        # (item, its ack, whether it was deferred), a failure, or None: a connection's end.
        self.replies: queue.SimpleQueue[tuple[Outgoing, _Ack, bool] | BaseException | None]
        self.replies = queue.SimpleQueue()
        self.stop = threading.Event()
        # Held from a message's final "." until the server's reply to it is recorded.
        self.ending = threading.Lock()
        addresses = mail.mailers.default  # prep_address: envelope addresses as Django's are
        assert isinstance(addresses, SMTPBackend)
        self.addresses: SMTPBackend = addresses
        self.sender = self.addresses.prep_address(settings.DEFAULT_FROM_EMAIL)
        self.threads = min(CONNECTIONS, len(items))

    def run(self) -> int:
        workers = [
            threading.Thread(target=self._send_all, name=f"smtp-{n}", daemon=True)
            for n in range(self.threads)
        ]
        for worker in workers:
            worker.start()
        recorded, running = 0, len(workers)
        failure: BaseException | None = None
        waiting: list[_Ack] = []
        try:
            while running:
                batch: list[Outgoing] = []
                put_off: list[Outgoing] = []
                reply = self.replies.get()
                while True:
                    if reply is None:
                        running -= 1
                    elif isinstance(reply, BaseException):
                        failure = failure or reply
                        self.stop.set()
                    else:
                        (put_off if reply[2] else batch).append(reply[0])
                        waiting.append(reply[1])
                    try:
                        reply = self.replies.get_nowait()
                    except queue.Empty:
                        break
                if batch:
                    # Every accepted message that arrived meanwhile, in one record.
                    self.record(batch)
                    recorded += len(batch)
                if put_off and self.defer is not None:
                    self.defer(put_off)
                for ack in waiting:
                    ack.put(None)
                waiting.clear()
        finally:
            self.stop.set()
            for ack in waiting:
                ack.put(None)
            for worker in workers:
                worker.join()
        if failure is not None:
            raise failure
        return recorded

    def _send_all(self) -> None:
        backend = mail.mailers.default
        try:
            assert isinstance(backend, SMTPBackend)
            backend.open()
            connection = backend.connection
            assert connection is not None  # open() raises rather than leave it unset
            # The end of a message goes as a write of its own (see `ending`): with Nagle's
            # algorithm it would wait for the server's delayed ACK of the body, 40 ms a message.
            if connection.sock is not None:
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # A queue as the signal "recorded": lighter than an Event, which costs a
            # Condition and its lock per message.
            recorded: _Ack = queue.SimpleQueue()
            while not self.stop.is_set():
                try:
                    item = self.work.get_nowait()
                except queue.Empty:
                    break
                try:
                    self._send_all_but_the_end(connection, item)
                except Refused as refusal:
                    self._refused(item, refusal, recorded)
                    continue
                except Deferred as deferral:
                    logger.info("the mail server put %s off: %s", item.key, deferral)
                    self.replies.put((item, recorded, True))
                    recorded.get()
                    continue
                with self.ending:
                    try:
                        self._end(connection)
                    except Refused as refusal:
                        self._refused(item, refusal, recorded)
                        continue
                    self.replies.put((item, recorded, False))
                    recorded.get()  # only then may any connection end another message
        except BaseException as error:  # noqa: BLE001 - handed to the calling thread
            self.replies.put(error)
        finally:
            # A connection gone already loses nothing by not closing cleanly.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                backend.close()
            self.replies.put(None)

    def _refused(self, item: Outgoing, refusal: Refused, recorded: _Ack) -> None:
        # Recorded as done: sending it again would be refused again.
        logger.warning("the mail server refused %s for good: %s", item.key, refusal)
        self.replies.put((item, recorded, False))
        recorded.get()

    def _send_all_but_the_end(self, connection: smtplib.SMTP, item: Outgoing) -> None:
        """MAIL, RCPT, DATA and the body: everything but the line that ends the message.

        What smtplib's sendmail() does for one recipient, split before the final "." so
        that the end can wait its turn (see `ending`)."""
        connection.ehlo_or_helo_if_needed()
        options: list[str] = []
        try:
            if connection.has_extn("8bitmime"):
                data = item.letter.raw(item)
                options.append("BODY=8BITMIME")
            else:  # exactly what Django's SMTP backend would send
                data = item.message().message(policy=email.policy.SMTP).as_bytes()
            plain = _PLAIN_ADDRESS.fullmatch(item.to)
            recipient = item.to if plain else self.addresses.prep_address(item.to)
        except ValueError:
            # An address SMTP cannot carry (a non-ASCII local part without SMTPUTF8): it
            # would fail every run and hold up everyone after it. Not logged: it is personal.
            raise Refused("an address no SMTP server can take") from None
        if connection.has_extn("size"):
            options.append(f"SIZE={len(data)}")
        code, reply = connection.mail(self.sender, options)
        if code != 250:
            self._failed(connection, code)
            if code >= 500:
                raise Refused(f"sender refused ({code})")
            raise smtplib.SMTPSenderRefused(code, reply, self.sender)
        code, reply = connection.rcpt(recipient)
        if code not in (250, 251):
            self._failed(connection, code)
            if code >= 500:
                raise Refused(f"recipient refused ({code})")
            if code == 421:  # the server is closing the connection: not this recipient's
                # Raised without the address (smtplib's own exception would carry it into
                # the log of the step that stops here).
                raise smtplib.SMTPResponseException(code, "the mail server closed the connection")
            # After RSET the connection goes on with the next message.
            raise Deferred(f"recipient put off ({code})")
        connection.putcmd("data")
        code, reply = connection.getreply()
        if code != 354:
            self._failed(connection, code)
            if code >= 500:
                raise Refused(f"message refused ({code})")
            raise smtplib.SMTPDataError(code, reply)
        # RFC 5321 4.5.2: a line that starts with "." gets one more; the body ends in CRLF.
        body = _LEADING_DOT.sub(b"..", data)
        connection.send(body if body.endswith(b"\r\n") else body + b"\r\n")

    def _end(self, connection: smtplib.SMTP) -> None:
        """Send the line that ends the message; the server's 250 means it took it."""
        connection.send(b".\r\n")
        code, reply = connection.getreply()
        if code != 250:
            self._failed(connection, code)
            if code >= 500:
                raise Refused(f"message refused ({code})")
            raise smtplib.SMTPDataError(code, reply)

    @staticmethod
    def _failed(connection: smtplib.SMTP, code: int) -> None:
        # As sendmail() does: a 421 means the server is going away; otherwise start over.
        if code == 421:
            connection.close()
        else:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                connection.rset()
