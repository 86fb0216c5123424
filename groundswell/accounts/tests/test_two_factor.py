"""Two-factor sign-in: set-up, the code step, its throttle, recovery codes, replays, turning
it off, and an organisation that requires it."""

from __future__ import annotations

from importlib import import_module

import pyotp
import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from groundswell import testing
from groundswell.accounts import twofactor
from groundswell.accounts.models import Organisation, User
from groundswell.accounts.security_models import RecoveryCode, TwoFactor
from groundswell.audit.models import AuditEntry
from groundswell.testing import ClientResponse

NOW = 1_800_000_000.0
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


@pytest.fixture(autouse=True)
def _stopped_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twofactor, "clock", lambda: NOW)


def code_at(secret: str, when: float = NOW) -> str:
    return pyotp.TOTP(secret).generate_otp(int(when // twofactor.STEP))


def turn_on(user: User) -> tuple[str, list[str]]:
    """Two-factor sign-in on for `user`, as the set-up page does it; its secret and codes."""
    factor = twofactor.begin_setup(user)
    secret = twofactor.secret_of(factor)
    # One step back: the sign-in in the test may then use the current step's code.
    codes = twofactor.confirm_setup(user, code_at(secret, NOW - twofactor.STEP))
    return secret, codes


def two_factors(user: User) -> bool:
    """Whether `user` signs in with two factors, as stored now; the flag loaded with the
    user (what staff pages read) must say the same as their confirmed authenticator."""
    user.refresh_from_db(fields=["two_factor_on"])
    confirmed = TwoFactor.objects.confirmed().filter(user=user).exists()
    assert twofactor.is_on(user) == confirmed
    return confirmed


def sign_in(client: Client, email: str = "alice@example.org") -> ClientResponse:
    return client.post(
        reverse("accounts:login"),
        {"username": email, "password": testing.PASSWORD},
        HTTP_USER_AGENT=FIREFOX,
        REMOTE_ADDR="203.0.113.66",
    )


def enter(client: Client, code: str) -> ClientResponse:
    return client.post(
        reverse("accounts:signin_code"),
        {"code": code},
        HTTP_USER_AGENT=FIREFOX,
        REMOTE_ADDR="203.0.113.66",
    )


def signed_in(client: Client) -> bool:
    return bool(get_user(client).is_authenticated)


def test_set_up_shows_the_key_and_qr_code_and_switches_on_only_with_a_right_code(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    page = client.get(reverse("accounts:two_factor_setup"))
    html = page.content.decode()
    secret = twofactor.secret_of(TwoFactor.objects.get(user=alice))
    assert secret in html and "<svg" in html and "otpauth://" not in html.split("<svg")[0]
    # A reload shows the same key: the person may be halfway through scanning it.
    assert secret in client.get(reverse("accounts:two_factor_setup")).content.decode()

    wrong = str((int(code_at(secret)) + 1) % 1_000_000).zfill(6)
    refused = client.post(reverse("accounts:two_factor_setup"), {"code": wrong})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "<title>Error:" in html and 'id="error-summary"' in html and 'href="#id_code"' in html
    assert f'value="{wrong}"' in html  # what the person typed is kept
    assert not two_factors(alice)

    done = client.post(reverse("accounts:two_factor_setup"), {"code": code_at(secret)})
    html = done.content.decode()
    assert two_factors(alice)
    codes = [line.split("</code>")[0] for line in html.split("<li><code>")[1:]]
    assert len(codes) == 10 == RecoveryCode.objects.filter(user=alice).count()
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not {code.replace("-", "") for code in codes} & stored
    assert TwoFactor.objects.get(user=alice).sealed_secret.find(secret) == -1
    entry = AuditEntry.objects.get(organisation=org, action="account.two_factor_on")
    assert secret not in str(entry.summary) + str(entry.changes)
    assert not any(code in entry.summary for code in codes)
    # Shown once: the set-up page no longer offers a key.
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 302


def test_the_password_alone_does_not_sign_in_the_code_does(client: Client, alice: User) -> None:
    secret, _codes = turn_on(alice)
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signin_code")
    assert not signed_in(client)
    assert client.get(reverse("accounts:staff_home")).status_code == 302  # to sign in
    done = enter(client, code_at(secret))
    assert done.status_code == 302 and done["Location"] == reverse("accounts:staff_home")
    assert signed_in(client)


def test_wrong_codes_are_throttled_even_the_right_one_after(client: Client, alice: User) -> None:
    secret, _codes = turn_on(alice)
    sign_in(client)
    for _attempt in range(twofactor.GUESS_LIMIT):
        refused = enter(client, "000000" if code_at(secret) != "000000" else "111111")
        assert refused.status_code == 400
        assert "That code is not right" in refused.content.decode()
    throttled = enter(client, code_at(secret))
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert "Too many wrong codes" in throttled.content.decode()
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once(client: Client, alice: User, org: Organisation) -> None:
    _secret, codes = turn_on(alice)
    sign_in(client)
    enter(client, codes[3].upper().replace("-", " "))  # typed loosely
    assert signed_in(client)
    entry = AuditEntry.objects.get(organisation=org, action="account.recovery_code_used")
    assert "9 are left" in entry.summary and codes[3] not in entry.summary
    client.logout()
    sign_in(client)
    again = enter(client, codes[3])
    assert "That code is not right" in again.content.decode()
    assert not signed_in(client)


def test_the_same_code_is_refused_a_second_time(
    client: Client, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, _codes = turn_on(alice)
    sign_in(client)
    enter(client, code_at(secret))
    assert signed_in(client)
    client.logout()
    sign_in(client)  # someone who saw the code over a shoulder, within the same half minute
    assert "That code is not right" in enter(client, code_at(secret)).content.decode()
    assert not signed_in(client)
    monkeypatch.setattr(twofactor, "clock", lambda: NOW + twofactor.STEP)
    enter(client, code_at(secret, NOW + twofactor.STEP))
    assert signed_in(client)


def test_the_code_step_expires(
    client: Client, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, _codes = turn_on(alice)
    sign_in(client)
    later = NOW + 11 * 60
    monkeypatch.setattr(twofactor, "clock", lambda: later)
    response = enter(client, code_at(secret, later))
    assert response.status_code == 400
    assert "the time to enter a code ran out" in response.content.decode()
    assert not signed_in(client)


def test_turning_it_off_takes_a_current_code(
    client: Client, alice: User, org: Organisation
) -> None:
    secret, _codes = turn_on(alice)
    client.force_login(alice)
    refused = client.post(reverse("accounts:two_factor_off"), {"code": "12345x"})
    assert refused.status_code == 400 and "<title>Error:" in refused.content.decode()
    assert two_factors(alice)
    client.post(reverse("accounts:two_factor_off"), {"code": code_at(secret)})
    assert not two_factors(alice)
    assert not RecoveryCode.objects.filter(user=alice).exists()
    assert AuditEntry.objects.filter(organisation=org, action="account.two_factor_off").exists()


def test_the_admin_sign_in_does_not_skip_the_code(client: Client, alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(is_staff=True, is_superuser=True)
    turn_on(alice)
    response = client.post("/admin/login/", {"username": alice.email, "password": testing.PASSWORD})
    assert response.status_code == 200
    assert "signs in with two factors" in response.content.decode()
    assert not signed_in(client)


def test_an_organisation_can_require_it_of_its_staff(
    client: Client, alice: User, bob: User, org: Organisation
) -> None:
    client.force_login(alice)
    url = reverse("accounts:two_factor_requirement", args=[org.slug])
    client.post(url, {"required": "on"})
    org.refresh_from_db()
    assert not org.two_factor_required  # alice must use it herself first
    secret, _codes = turn_on(alice)
    assert not signed_in(client)  # turning it on ended her password-only session
    sign_in(client)
    enter(client, code_at(secret))
    client.post(url, {"required": "on"})
    org.refresh_from_db()
    assert org.two_factor_required
    entry = AuditEntry.objects.get(organisation=org, action="organisation.two_factor_required")
    assert entry.changes == {"two_factor_required": [False, True]}

    bobs = Client()
    bobs.force_login(bob)
    stories = reverse("stories:staff_list", args=[org.slug])
    sent = bobs.get(stories)
    assert sent.status_code == 302
    assert sent["Location"].startswith(reverse("accounts:two_factor_setup") + "?next=")
    setup = bobs.get(sent["Location"])
    assert 'name="next" value="' + stories + '"' in setup.content.decode()
    secret = twofactor.secret_of(TwoFactor.objects.get(user=bob))
    done = bobs.post(sent["Location"], {"code": code_at(secret), "next": stories})
    assert f'href="{stories}"' in done.content.decode()
    assert bobs.get(stories).status_code == 200


def to_script(code: str, zero: str) -> str:
    """The code in another script's digits, from that script's zero."""
    return "".join(chr(ord(zero) + int(digit)) for digit in code)


@pytest.mark.parametrize("zero", ["\u0966", "\u0660", "\uff10"])  # Devanagari, Arabic, fullwidth
def test_a_code_in_another_scripts_digits_is_the_same_code(
    client: Client, alice: User, zero: str
) -> None:
    secret, _codes = turn_on(alice)
    sign_in(client)
    done = enter(client, to_script(code_at(secret), zero))
    assert done.status_code == 302 and signed_in(client)


@pytest.mark.parametrize("typed", ["²²²²²²", "①②③④⑤⑥", "12345\u00b9"])
def test_digit_like_characters_get_the_forms_message_not_a_500(
    client: Client, alice: User, typed: str
) -> None:
    secret, _codes = turn_on(alice)
    sign_in(client)
    refused = enter(client, typed)
    html = refused.content.decode()
    assert refused.status_code == 400 and "<title>Error:" in html
    assert "only the digits 0 to 9" in html and f'value="{typed}"' in html
    assert not signed_in(client)
    assert enter(client, code_at(secret)).status_code == 302  # no guess was spent on it


@pytest.mark.parametrize("typed", ["\u0661\u0662\u0663\u0664\u0665\u0666", "²²²²²²"])
def test_the_set_up_page_takes_any_scripts_digits_and_refuses_the_rest_clearly(
    client: Client, alice: User, typed: str
) -> None:
    client.force_login(alice)
    client.get(reverse("accounts:two_factor_setup"))
    refused = client.post(reverse("accounts:two_factor_setup"), {"code": typed})
    assert refused.status_code == 400 and "<title>Error:" in refused.content.decode()
    assert not two_factors(alice)
    secret = twofactor.secret_of(TwoFactor.objects.get(user=alice))
    arabic = to_script(code_at(secret), "\u0660")
    client.post(reverse("accounts:two_factor_setup"), {"code": arabic})
    assert two_factors(alice)


def test_turning_it_on_ends_the_persons_other_sessions_but_not_this_one(
    alice: User, org: Organisation
) -> None:
    laptop, phone = Client(), Client()
    sign_in(laptop)
    sign_in(phone)  # the password alone, as anyone who knew it could have
    stories = reverse("stories:staff_list", args=[org.slug])
    assert phone.get(stories).status_code == 200
    laptop.get(reverse("accounts:two_factor_setup"))
    secret = twofactor.secret_of(TwoFactor.objects.get(user=alice))
    laptop.post(reverse("accounts:two_factor_setup"), {"code": code_at(secret)})
    assert two_factors(alice)
    assert not signed_in(phone)
    assert phone.get(stories)["Location"].startswith(reverse("accounts:login"))
    assert signed_in(laptop) and laptop.get(stories).status_code == 200


def test_a_session_that_skipped_the_code_is_sent_to_the_code_step(
    alice: User, org: Organisation
) -> None:
    """A session signed in with the password alone (the admin's page, or from before
    two-factor was on) reaches no staff page until a code is entered."""
    secret, _codes = turn_on(alice)
    Organisation.objects.filter(pk=org.pk).update(two_factor_required=True)
    browser = Client()
    browser.force_login(alice)
    stories = reverse("stories:staff_list", args=[org.slug])
    sent = browser.get(stories)
    assert sent.status_code == 302 and sent["Location"] == reverse("accounts:signin_code")
    assert "Enter your sign-in code" in browser.get(sent["Location"]).content.decode()
    done = enter(browser, code_at(secret))
    assert done.status_code == 302 and done["Location"] == stories
    assert browser.get(stories).status_code == 200


def run_queued() -> None:
    """What the worker does with the stored task rows."""
    for row in DBTaskResult.objects.order_by("enqueued_at"):
        import_string(row.task_path).call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()


def test_the_person_is_emailed_by_the_worker_when_it_goes_on_a_recovery_code_is_used_and_off(
    client: Client, alice: User, task_queue: None, smtp_server: testing.LocalSMTPServer
) -> None:
    client.force_login(alice)
    client.get(reverse("accounts:two_factor_setup"))
    secret = twofactor.secret_of(TwoFactor.objects.get(user=alice))
    page = client.post(reverse("accounts:two_factor_setup"), {"code": code_at(secret)})
    codes = [line.split("</code>")[0] for line in page.content.decode().split("<li><code>")[1:]]
    assert smtp_server.messages == []  # not sent inside the request
    run_queued()
    [on] = smtp_server.messages
    assert on["To"] == "alice@example.org"
    assert on["Subject"] == "Two-factor sign-in is on for your Groundswell account"
    assert secret not in smtp_server.bodies()[0]
    assert reverse("accounts:security") in smtp_server.bodies()[0]

    other = Client()
    sign_in(other)
    enter(other, codes[0])
    assert signed_in(other)
    run_queued()
    assert smtp_server.messages[1]["Subject"] == (
        "A recovery code was used on your Groundswell account"
    )
    body = smtp_server.bodies()[1]
    assert "9 unused codes are left" in body and codes[0] not in body

    other.post(reverse("accounts:two_factor_off"), {"code": codes[1]})
    assert not two_factors(alice)
    run_queued()
    subjects = [message["Subject"] for message in smtp_server.messages[2:]]
    assert "Two-factor sign-in is off for your Groundswell account" in subjects
    assert "Your password alone now signs in." in "".join(smtp_server.bodies()[2:])


def test_a_staff_page_asks_nothing_more_of_the_database_for_two_factor(
    client: Client, alice: User, org: Organisation
) -> None:
    """A session without the code mark (signed in before two factors, or without them):
    the check reads the flag the membership's query loaded, not the TwoFactor table."""
    client.force_login(alice)
    stories = reverse("stories:staff_list", args=[org.slug])
    client.get(stories)  # the first visit writes the session
    with CaptureQueriesContext(connection) as without:
        assert client.get(stories).status_code == 200
    turn_on(alice)
    client.force_login(alice)  # turning it on ended the session; this one has no mark
    asked = client.get(stories)
    assert asked.status_code == 302 and asked["Location"] == reverse("accounts:signin_code")
    for query in without.captured_queries:
        assert "twofactor" not in query["sql"].lower(), query["sql"]


def test_the_migration_copies_the_flag_of_those_already_using_two_factors(
    alice: User, bob: User
) -> None:
    from django.apps import apps

    migration = import_module("groundswell.accounts.migrations.0008_user_two_factor_on")
    TwoFactor.objects.create(user=alice, sealed_secret="x", confirmed_at=timezone.now())
    TwoFactor.objects.create(user=bob, sealed_secret="y")  # set-up begun, never confirmed
    migration.copy_flag(apps, None)
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.two_factor_on and not bob.two_factor_on
