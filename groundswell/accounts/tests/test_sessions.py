"""Sessions a person can see and end, and the email about a sign-in from a new browser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from groundswell import testing
from groundswell.accounts import devices
from groundswell.accounts.models import Organisation, User
from groundswell.accounts.security_models import KnownDevice, StaffSession
from groundswell.audit.models import AuditEntry
from groundswell.testing import ClientResponse

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0"
)


def sign_in(client: Client, agent: str, address: str = "203.0.113.66") -> ClientResponse:
    return client.post(
        reverse("accounts:login"),
        {"username": "alice@example.org", "password": testing.PASSWORD},
        HTTP_USER_AGENT=agent,
        REMOTE_ADDR=address,
    )


def test_user_agents_read_as_plain_words() -> None:
    assert devices.describe_agent(FIREFOX) == "Firefox on Linux"
    assert devices.describe_agent(IPHONE) == "Safari on iPhone"
    assert devices.describe_agent(EDGE) == "Edge on Windows"
    assert devices.describe_agent("curl/8.5") == "An unknown browser"


def test_a_session_shows_a_network_never_the_address() -> None:
    four = RequestFactory().get("/", REMOTE_ADDR="203.0.113.66")
    six = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    assert devices.rough_network(four) == "203.0.113.0/24"
    assert devices.rough_network(six) == "2001:db8:1::/48"


def test_sessions_are_listed_and_an_ended_one_is_really_signed_out(
    alice: User, org: Organisation
) -> None:
    laptop, phone, tablet = Client(), Client(), Client()
    sign_in(laptop, FIREFOX)
    sign_in(phone, IPHONE, address="198.51.100.7")
    sign_in(tablet, EDGE)
    page = laptop.get(reverse("accounts:security")).content.decode()
    assert "Firefox on Linux" in page and "Safari on iPhone" in page and "Edge on Windows" in page
    assert "198.51.100.0/24" in page and "198.51.100.7" not in page and "203.0.113.66" not in page
    assert "this browser" in page

    phones = StaffSession.objects.get(device="Safari on iPhone")
    laptop.post(reverse("accounts:session_end"), {"session": phones.pk})
    assert not get_user(phone).is_authenticated
    assert not Session.objects.filter(session_key=phones.session_key).exists()
    stories = reverse("stories:staff_list", args=[org.slug])
    assert phone.get(stories)["Location"].startswith(reverse("accounts:login"))
    assert laptop.get(stories).status_code == 200
    assert AuditEntry.objects.filter(organisation=org, action="account.session_end").exists()

    laptop.post(reverse("accounts:sessions_end_others"))
    assert not get_user(tablet).is_authenticated and get_user(laptop).is_authenticated
    assert list(StaffSession.objects.values_list("device", flat=True)) == ["Firefox on Linux"]


def test_nobody_ends_another_persons_session(alice: User, charlie: User) -> None:
    mine = Client()
    sign_in(mine, FIREFOX)
    theirs = Client()
    theirs.force_login(charlie)
    row = StaffSession.objects.get(user=alice)
    theirs.post(reverse("accounts:session_end"), {"session": row.pk})
    assert get_user(mine).is_authenticated


@pytest.fixture
def queued(task_queue: None) -> None:
    """Tasks are stored, as in production, and run below as the worker would."""


def run_queued() -> None:
    for row in DBTaskResult.objects.order_by("enqueued_at"):
        import_string(row.task_path).call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()


def test_a_sign_in_from_a_new_browser_is_emailed_once_by_the_worker(
    alice: User, queued: None, smtp_server: testing.LocalSMTPServer
) -> None:
    usual = Client()
    sign_in(usual, FIREFOX)  # the first browser ever: nothing to compare it with
    run_queued()
    assert smtp_server.messages == []
    usual.post(reverse("accounts:logout"))  # (Client.logout() would drop every cookie)
    sign_in(usual, FIREFOX)
    run_queued()
    assert smtp_server.messages == []

    stranger = Client()
    sign_in(stranger, IPHONE, address="198.51.100.7")
    assert smtp_server.messages == []  # not sent inside the request
    assert DBTaskResult.objects.count() == 1
    run_queued()
    [message] = smtp_server.messages
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "New sign-in to your Groundswell account"
    body = smtp_server.bodies()[0]
    assert "Safari on iPhone" in body and "198.51.100.0/24" in body
    assert "198.51.100.7" not in body
    assert reverse("accounts:security") in body

    stranger.post(reverse("accounts:logout"))
    sign_in(stranger, IPHONE, address="198.51.100.7")  # now a known browser
    run_queued()
    assert len(smtp_server.messages) == 1
    assert KnownDevice.objects.filter(user=alice).count() == 2


def test_retention_drops_ended_sessions_and_old_browsers_only(alice: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from groundswell.retention import services

    kept, ended = Client(), Client()
    sign_in(kept, FIREFOX)
    sign_in(ended, IPHONE)
    ended.post(reverse("accounts:logout"))
    long_ago = timezone.now() - timedelta(days=500)
    StaffSession.objects.update(signed_in_at=long_ago)
    KnownDevice.objects.filter(device="Safari on iPhone").update(first_seen=long_ago)

    services.run_site(timezone.now())

    assert list(StaffSession.objects.values_list("device", flat=True)) == ["Firefox on Linux"]
    assert list(KnownDevice.objects.values_list("device", flat=True)) == ["Firefox on Linux"]
    assert get_user(kept).is_authenticated


@pytest.mark.parametrize("typed", ["²", "\u0661", "99999999999999999999999", "-1", "x"])
def test_a_session_number_that_is_no_number_is_a_clear_answer_not_a_500(
    alice: User, typed: str
) -> None:
    laptop, phone = Client(), Client()
    sign_in(laptop, FIREFOX)
    sign_in(phone, IPHONE)
    response = laptop.post(reverse("accounts:session_end"), {"session": typed}, follow=True)
    assert response.status_code == 200
    assert "That session had already ended." in response.content.decode()
    assert get_user(phone).is_authenticated


def test_signing_out_everywhere_else_ends_an_admin_sign_in_too(
    alice: User, org: Organisation
) -> None:
    User.objects.filter(pk=alice.pk).update(is_staff=True)
    admin = Client()
    admin.post("/admin/login/", {"username": alice.email, "password": testing.PASSWORD})
    assert get_user(admin).is_authenticated and admin.get("/admin/").status_code == 200
    old = Client()
    old.force_login(alice)  # signed in before sessions were listed: no row of its own
    laptop = Client()
    sign_in(laptop, FIREFOX)
    assert StaffSession.objects.filter(user=alice).count() == 1

    laptop.post(reverse("accounts:sessions_end_others"))
    assert not get_user(admin).is_authenticated
    assert admin.get("/admin/")["Location"].startswith("/admin/login/")
    assert not get_user(old).is_authenticated
    assert get_user(laptop).is_authenticated
    stories = reverse("stories:staff_list", args=[org.slug])
    assert laptop.get(stories).status_code == 200
    # This browser is still listed, under its new session key.
    [row] = StaffSession.objects.filter(user=alice)
    assert Session.objects.filter(session_key=row.session_key).exists()
