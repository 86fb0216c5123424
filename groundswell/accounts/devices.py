"""Where a person is signed in: sessions they can see and end, devices they have used.

A sign-in from a browser this person has not signed in from before is emailed to them (by
the worker). Browsers are known by a long-lived random cookie whose hash is kept per person;
the first browser an account ever signs in from is remembered without an email, as there is
nothing to compare it with (an account made from an invitation signs in at once).
"""

from __future__ import annotations

import ipaddress
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.lib.addresses import client_ip

from . import tasks
from .models import User, hash_token
from .security_models import KnownDevice, StaffSession
from .twofactor import audit_for_person, sign_out_everywhere

DEVICE_COOKIE = "gs_device"
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600

# (marker in the User-Agent, name shown): the first match wins, so the more specific first
# (Edge and Opera say "Chrome" too, Chrome says "Safari").
BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
]


def describe_agent(agent: str) -> str:
    """A browser's User-Agent in plain words: “Firefox on Linux”."""
    browser = next((name for marker, name in BROWSERS if marker in agent), None)
    system = next((name for marker, name in SYSTEMS if marker in agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser or system:
        return _("%(name)s, unknown kind") % {"name": browser or system}
    return _("An unknown browser")


def rough_network(request: HttpRequest) -> str:
    """The client's network, never its address: an IPv4 /24, an IPv6 /48."""
    address = client_ip(request)
    if address is None:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network((address, prefix), strict=False))


def _store() -> type:
    return import_module(settings.SESSION_ENGINE).SessionStore  # type: ignore[no-any-return]


def note_sign_in(request: HttpRequest, user: User, response: HttpResponse) -> None:
    """After login(): list the session, and tell the person of a browser new to them."""
    device = describe_agent(request.headers.get("User-Agent", ""))[:100]
    network = rough_network(request)
    key = request.session.session_key
    if key:
        StaffSession.objects.update_or_create(
            session_key=key, defaults={"user": user, "device": device, "network": network}
        )
    cookie = request.COOKIES.get(DEVICE_COOKIE, "")
    if len(cookie) < 32:
        cookie = secrets.token_urlsafe(32)
    response.set_cookie(
        DEVICE_COOKIE,
        cookie,
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    known = KnownDevice.objects.filter(user_id=user.pk)
    if known.filter(cookie_hash=hash_token(cookie)).exists():
        return
    first = not known.exists()
    try:
        with transaction.atomic():
            KnownDevice.objects.create(user=user, cookie_hash=hash_token(cookie), device=device)
    except IntegrityError:
        return  # the same browser signing in twice at once: one email is enough
    if not first:
        tasks.queue_new_device_notice(user.pk, device, network, timezone.now().isoformat())


def live_sessions(user: User) -> list[StaffSession]:
    """The person's sessions still signed in; rows of ended ones are dropped on the way."""
    store = _store()
    rows = list(StaffSession.objects.for_user(user))
    ended = [row.pk for row in rows if not store().exists(row.session_key)]
    if ended:
        StaffSession.objects.filter(pk__in=ended).delete()
    return [row for row in rows if row.pk not in ended]


def _end(user: User, rows: list[StaffSession]) -> int:
    store = _store()
    for row in rows:
        store().delete(row.session_key)
    StaffSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def end_session(request: HttpRequest, user: User, session_id: int) -> bool:
    """Sign one of the person's other sessions out; False if it is not theirs or not there."""
    row = (
        StaffSession.objects.filter(user_id=user.pk, pk=session_id)
        .exclude(session_key=request.session.session_key or "")
        .first()
    )
    if row is None:
        return False
    _end(user, [row])
    audit_for_person(
        user,
        "account.session_end",
        _("User #%(user)s signed out session #%(id)s") % {"user": user.pk, "id": row.pk},
    )
    return True


def keep_only_this_session(request: HttpRequest, user: User) -> None:
    """After sign_out_everywhere(): keep the session of this request, under a new key, and
    drop the other listed ones from the store and the list."""
    old = request.session.session_key or ""
    _end(user, list(StaffSession.objects.filter(user_id=user.pk).exclude(session_key=old)))
    update_session_auth_hash(request, user)
    if old:
        StaffSession.objects.filter(session_key=old).update(session_key=request.session.session_key)


def end_other_sessions(request: HttpRequest, user: User) -> None:
    """Sign out every session of the person but this one, listed or not (an admin sign-in,
    a session from before sessions were listed)."""
    sign_out_everywhere(user)
    keep_only_this_session(request, user)
    audit_for_person(
        user,
        "account.session_end",
        _("User #%(user)s signed out all their other sessions") % {"user": user.pk},
    )
