"""Letters rendered once and filled per person, sent over several SMTP connections."""

import smtplib
from collections.abc import Callable
from typing import cast

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from pytest_django.fixtures import Settings

from groundswell.notifications import bulk
from groundswell.notifications.bulk import Letter, Outgoing, deliver, slot
from groundswell.testing import LocalSMTPServer

URL = "http://127.0.0.1:8000/unsubscribe/" + "Mq:1tZx" * 20 + "/"


def letter() -> Letter:
    body = (
        f"Hello {slot('name')},\n\nThank you for signing “Keep the Library Open” with Alice's "
        f"Campaigners. Please confirm your signature: open this link.\n\n{slot('link')}\n"
    )
    return Letter(
        subject="Please confirm your signature: Keep the Library Open",
        body=body,
        headers={
            "List-Unsubscribe": f"<{slot('unsubscribe')}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<confirm.{slot('id')}@127.0.0.1>",
        },
        organisation_id=None,
    )


def people(count: int) -> list[dict[str, str]]:
    return [
        {"name": "Zoë" if n % 2 else "Sam", "link": f"{URL}{n}", "unsubscribe": URL, "id": str(n)}
        for n in range(count)
    ]


def test_each_copy_reads_as_the_message_django_would_build(
    smtp_server_with: Callable[..., LocalSMTPServer],
) -> None:
    server = smtp_server_with()
    one = letter()
    recorded: list[int] = []
    items = [one.to(f"reader{n}@example.net", n, values) for n, values in enumerate(people(6))]
    assert deliver(items, lambda done: recorded.extend(cast(int, item.key) for item in done)) == 6
    assert sorted(recorded) == list(range(6))
    by_id = {message["Message-ID"]: message for message in server.messages}
    assert sorted(by_id) == [f"<confirm.{n}@127.0.0.1>" for n in range(6)]
    message = by_id["<confirm.1@127.0.0.1>"]
    django_built = EmailMessage(
        subject=one.subject,
        body=Letter.fill(one.body, people(2)[1]),
        to=["reader1@example.net"],
    ).message()
    # On the wire every line ends in CRLF; the text is the same.
    assert message.get_content().replace("\r\n", "\n") == django_built.get_content()
    assert "Hello Zoë," in message.get_content()
    assert message["To"] == "reader1@example.net"
    assert message["Subject"] == one.subject
    # The one-click URL as it is (RFC 2369), not folded into encoded words.
    assert message["List-Unsubscribe"] == f"<{URL}>"
    _sender, recipients, options = server.envelopes[0]
    assert recipients[0].startswith("reader")
    assert "BODY=8BITMIME" in options


def test_an_address_with_an_international_domain_goes_through_djangos_machinery(
    smtp_server_with: Callable[..., LocalSMTPServer],
) -> None:
    server = smtp_server_with()
    item = letter().to("zoe@bücher.example", 1, people(2)[1])
    assert deliver([item], lambda done: None) == 1
    [(_sender, recipients, _options)] = server.envelopes
    assert recipients == ["zoe@xn--bcher-kva.example"]  # IDNA, as Django's backend does
    assert server.messages[0]["To"] == "zoe@xn--bcher-kva.example"
    assert server.messages[0]["Message-ID"] == "<confirm.1@127.0.0.1>"


def test_a_slot_in_the_subject_is_filled_on_the_fast_path_and_through_djangos_machinery(
    smtp_server_with: Callable[..., LocalSMTPServer],
) -> None:
    server = smtp_server_with()
    one = letter()
    one.subject = f"{slot('name')}, please confirm your signature"
    values = people(1)[0]
    fast = one.to("reader0@example.net", 0, values)
    odd = one.to("zoe@bücher.example", 1, values)  # goes through Django's EmailMessage
    assert deliver([fast, odd], lambda done: None) == 2
    assert (
        sorted(m["Subject"] for m in server.messages) == ["Sam, please confirm your signature"] * 2
    )


def test_a_mailbox_refused_for_good_is_recorded_and_the_others_go(
    smtp_server_with: Callable[..., LocalSMTPServer],
) -> None:
    server = smtp_server_with(refuse=frozenset({"reader2@example.net"}))
    recorded: list[int] = []
    items = [letter().to(f"reader{n}@example.net", n, v) for n, v in enumerate(people(5))]
    deliver(items, lambda done: recorded.extend(cast(int, item.key) for item in done))
    assert sorted(recorded) == [0, 1, 2, 3, 4]  # sending it again would be refused again
    assert sorted(message["To"] for message in server.messages) == [
        f"reader{n}@example.net" for n in (0, 1, 3, 4)
    ]


def test_a_recipient_put_off_for_now_is_handed_back_and_the_others_go(
    smtp_server_with: Callable[..., LocalSMTPServer],
) -> None:
    server = smtp_server_with(defer={"reader2@example.net"})  # 450 4.2.1 at RCPT
    recorded: list[int] = []
    deferred: list[int] = []
    items = [letter().to(f"reader{n}@example.net", n, v) for n, v in enumerate(people(8))]
    assert (
        deliver(
            items,
            lambda done: recorded.extend(cast(int, item.key) for item in done),
            lambda put_off: deferred.extend(cast(int, item.key) for item in put_off),
        )
        == 7
    )
    assert deferred == [2]
    assert sorted(recorded) == [0, 1, 3, 4, 5, 6, 7]
    assert sorted(message["To"] for message in server.messages) == [
        f"reader{n}@example.net" for n in (0, 1, 3, 4, 5, 6, 7)
    ]


def test_a_temporary_refusal_stops_and_records_exactly_what_the_server_took(
    smtp_server_with: Callable[..., LocalSMTPServer],
) -> None:
    server = smtp_server_with(accept=3)
    recorded: list[int] = []
    items = [letter().to(f"reader{n}@example.net", n, v) for n, v in enumerate(people(12))]
    with pytest.raises(Exception, match="451"):
        deliver(items, lambda done: recorded.extend(cast(int, item.key) for item in done))
    taken = sorted(
        int(message["Message-ID"].split(".")[1].split("@")[0]) for message in server.messages
    )
    assert len(taken) == 3
    assert sorted(recorded) == taken


def test_a_server_going_away_stops_the_batch_without_naming_the_recipient(
    smtp_server_with: Callable[..., LocalSMTPServer],
) -> None:
    server = smtp_server_with(closing={"reader3@example.net"})  # 421 4.3.2 at RCPT
    recorded: list[int] = []
    items = [letter().to(f"reader{n}@example.net", n, v) for n, v in enumerate(people(6))]
    with pytest.raises(smtplib.SMTPResponseException) as raised:
        deliver(items, lambda done: recorded.extend(cast(int, item.key) for item in done))
    assert raised.value.smtp_code == 421
    # The step's log shows the exception: no address in it.
    assert "@" not in str(raised.value) and "@" not in repr(raised.value)
    assert sorted(recorded) == sorted(
        int(message["Message-ID"].split(".")[1].split("@")[0]) for message in server.messages
    )
    assert "reader3@example.net" not in [message["To"] for message in server.messages]


def test_no_message_is_ended_while_another_the_server_took_is_unrecorded(
    smtp_server_with: Callable[..., LocalSMTPServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = smtp_server_with()
    monkeypatch.setattr(bulk, "CONNECTIONS", 3)
    unrecorded: list[int] = []

    def record(done: list[Outgoing]) -> None:
        # Everything the server has taken but we have not recorded yet: what a kill right
        # now would send twice. Three connections, but they take turns to end a message.
        unrecorded.append(len(server.messages) - len(recorded))
        recorded.extend(done)

    recorded: list[Outgoing] = []
    items = [letter().to(f"reader{n}@example.net", n, v) for n, v in enumerate(people(60))]
    assert deliver(items, record) == 60
    assert max(unrecorded) == 1
    assert len(server.messages) == 60
    assert {message["Message-ID"] for message in server.messages} == {
        f"<confirm.{n}@127.0.0.1>" for n in range(60)
    }


def test_other_mail_backends_get_djangos_messages(settings: Settings) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox.clear()
    items = [letter().to(f"reader{n}@example.net", n, v) for n, v in enumerate(people(2))]
    assert deliver(items, lambda done: None) == 2
    assert [message.to for message in mail.outbox] == [
        ["reader0@example.net"],
        ["reader1@example.net"],
    ]
    assert mail.outbox[1].extra_headers["Message-ID"] == "<confirm.1@127.0.0.1>"
    assert "Hello Zoë," in mail.outbox[1].body


def test_an_address_smtp_cannot_carry_is_recorded_with_a_warning_and_the_rest_go(
    smtp_server_with: Callable[..., LocalSMTPServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = smtp_server_with()
    recorded: list[object] = []  # the keys: ints, and one string
    items = [letter().to(f"reader{n}@example.net", n, v) for n, v in enumerate(people(3))]
    items.insert(1, letter().to("zoë@example.net", "odd", people(1)[0]))
    deliver(items, lambda done: recorded.extend(item.key for item in done))
    assert sorted(map(str, recorded)) == ["0", "1", "2", "odd"]  # never tried again
    assert len(server.messages) == 3
    assert "refused" in caplog.text
    assert "zoë" not in caplog.text  # the warning names the key, never the address
