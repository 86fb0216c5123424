"""WebSub (W3C Recommendation, 2018): a feed that names a hub pushes its updates to us.

The worker subscribes (`subscribe`: a form POST to the hub with our callback, the topic and
a secret). The hub then checks our intent with a GET to the callback carrying a challenge,
which we echo only for a topic we asked for (`verify_intent`), and later POSTs each update
signed with the secret (`X-Hub-Signature: sha256=<HMAC of the body>`). The callback view
checks the signature, stores the body and answers 202; the worker parses it (`process`).
The callback never fetches anything. Each subscription has a token of its own in the
callback's address, so a callback names one monitor and its secret.

One deviation: a delivery whose signature does not verify is answered 403 (the spec
suggests 2xx so that a forger learns nothing; an HMAC-SHA256 cannot be guessed anyway, and
a clear refusal is what our bad-input rules ask of every endpoint).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from groundswell.lib import http, leases

from . import services, signals
from .models import Monitor, MonitorState, SignalSource, WebSubDelivery
from .parsing import Refused, parse

LEASE_ASKED = timedelta(days=7)
# Accepted leases outside these bounds are read as the bound.
SHORTEST_LEASE = timedelta(minutes=5)
LONGEST_LEASE = timedelta(days=30)
# Renew a subscription this long before it runs out.
RENEW_BEFORE = timedelta(days=1)
# A hub that has not confirmed within this is asked again.
ASK_AGAIN_AFTER = timedelta(hours=1)
MAX_BODY = 2 * 1024 * 1024
ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
              "sha512": hashlib.sha512}  # fmt: skip


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def should_ask(monitor: Monitor) -> bool:
    """Whether to (re)subscribe now: a hub, no live subscription, not asked lately."""
    moment = leases.now()
    if not monitor.hub_url or not monitor.url:
        return False
    if monitor.websub_verified_until and monitor.websub_verified_until > moment + RENEW_BEFORE:
        return False
    return not (monitor.websub_asked_at and monitor.websub_asked_at > moment - ASK_AGAIN_AFTER)


def callback_url(token: str) -> str:
    return settings.SITE_URL + reverse("listening:websub", args=[token])


def subscribe(monitor_id: int) -> str:
    """Ask the monitor's hub to push its feed to us; returns what happened, for the log."""
    monitor = Monitor.objects.filter(pk=monitor_id).exclude(hub_url="").first()
    if monitor is None or not monitor.url or monitor.state == MonitorState.PAUSED:
        return "nothing to subscribe"
    Monitor.objects.filter(pk=monitor.pk).update(websub_asked_at=leases.now())
    token, secret = services.new_websub_secret(monitor)
    form = {
        "hub.callback": callback_url(token),
        "hub.mode": "subscribe",
        "hub.topic": monitor.url,
        "hub.secret": secret,
        "hub.lease_seconds": str(int(LEASE_ASKED.total_seconds())),
    }
    try:
        response = http.post(
            monitor.hub_url,
            content=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            max_bytes=64 * 1024,
        )
    except http.FetchError as error:
        Monitor.objects.filter(pk=monitor.pk).update(notice=f"WebSub: {error}"[:300])
        return str(error)
    if response.status not in (202, 204):
        Monitor.objects.filter(pk=monitor.pk).update(
            notice=f"WebSub: the hub answered {response.status}"
        )
        return f"hub answered {response.status}"
    return "asked"


def unsubscribe(monitor_id: int) -> str:
    """Tell the hub of a paused monitor to stop pushing; it checks with us (verify_intent
    answers an unsubscribe only while the monitor is paused)."""
    monitor = Monitor.objects.filter(pk=monitor_id, state=MonitorState.PAUSED).first()
    if monitor is None or not monitor.hub_url or not monitor.websub_token:
        return "nothing to unsubscribe"
    form = {
        "hub.callback": callback_url(monitor.websub_token),
        "hub.mode": "unsubscribe",
        "hub.topic": monitor.url,
    }
    try:
        response = http.post(
            monitor.hub_url,
            content=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            max_bytes=64 * 1024,
        )
    except http.FetchError as error:
        return str(error)
    return "asked" if response.status in (202, 204) else f"hub answered {response.status}"


def _monitor(token: str) -> Monitor:
    monitor = Monitor.objects.filter(websub_token=token).exclude(websub_token="").first()
    if monitor is None or not token:
        raise Refusal(404, "there is no such subscription")
    return monitor


def verify_intent(token: str, query: dict[str, str]) -> str:
    """The challenge to echo when the hub's GET confirms what we asked for; Refusal if not."""
    monitor = _monitor(token)
    mode = query.get("hub.mode", "")
    topic = query.get("hub.topic", "")
    if mode == "denied":
        reason = query.get("hub.reason", "")[:200]
        Monitor.objects.filter(pk=monitor.pk).update(
            notice=f"WebSub: the hub refused the subscription {reason}".strip()[:300]
        )
        return ""
    if topic != monitor.url:
        raise Refusal(404, "that topic was not asked for")
    challenge = query.get("hub.challenge", "")
    if not challenge or len(challenge) > 200:
        raise Refusal(400, "hub.challenge is missing or too long")
    if mode == "unsubscribe":
        if monitor.state != MonitorState.PAUSED:
            raise Refusal(404, "we did not ask to unsubscribe")
        Monitor.objects.filter(pk=monitor.pk).update(websub_verified_until=None)
        return challenge
    if mode != "subscribe" or monitor.state == MonitorState.PAUSED:
        raise Refusal(404, "we did not ask for that")
    lease = query.get("hub.lease_seconds", "")
    seconds = int(lease) if lease.isdigit() and len(lease) < 10 else 0
    period = min(max(timedelta(seconds=seconds), SHORTEST_LEASE), LONGEST_LEASE)
    Monitor.objects.filter(pk=monitor.pk).update(
        websub_verified_until=leases.now() + period, notice=""
    )
    return challenge


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    method, _, given = header.strip().partition("=")
    algorithm = ALGORITHMS.get(method.lower())
    if algorithm is None or not given or not secret:
        return False
    expected = hmac.new(secret.encode(), body, algorithm).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def receive(token: str, body: bytes, signature: str, content_type: str) -> WebSubDelivery:
    """Keep a delivery whose signature verifies, for the worker; Refusal otherwise."""
    monitor = _monitor(token)
    if len(body) > MAX_BODY:
        raise Refusal(413, "the body is larger than allowed")
    if not signature:
        raise Refusal(400, "the delivery is not signed (X-Hub-Signature)")
    if not signature_matches(monitor.websub_secret, body, signature):
        raise Refusal(403, "the signature does not match")
    return WebSubDelivery.objects.create(
        monitor=monitor, body=body, content_type=content_type[:200]
    )


def process(delivery_id: int) -> int:
    """Read a stored delivery into signals; returns how many were new. The row goes either
    way: a document we cannot read now will not read better later."""
    delivery = (
        WebSubDelivery.objects.select_related("monitor__organisation")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return 0
    monitor = delivery.monitor
    if monitor.state == MonitorState.PAUSED:
        # Staff stopped listening to it: what its hub still pushes is not heard.
        WebSubDelivery.objects.filter(pk=delivery.pk).delete()
        return 0
    try:
        document = parse(bytes(delivery.body), delivery.content_type)
    except Refused as error:
        Monitor.objects.filter(pk=monitor.pk).update(notice=f"WebSub: {error}"[:300])
        WebSubDelivery.objects.filter(pk=delivery.pk).delete()
        return 0
    result = signals.ingest(
        monitor.organisation, SignalSource.FEED, document.items, monitor=monitor
    )
    WebSubDelivery.objects.filter(pk=delivery.pk).delete()
    return result.new
