"""Stand-ins for Stripe and Razorpay on 127.0.0.1, for tests: never the internet.

Each speaks the subset of its provider's API we call (Stripe's `POST /v1/checkout/sessions`,
Razorpay's `POST /v1/orders`, `/v1/plans` and `/v1/subscriptions`), checks the credentials
the way the provider does, keeps what it was asked, and has a hosted page a browser can
"pay" on (for a Razorpay subscription, authorise its first payment; `charge_subscription`
and `cancel_subscription` are Razorpay's later months and a cancellation). Paying sends the
provider's webhooks, signed the provider's way (Stripe-Signature with t= and v1=; Razorpay's
X-Razorpay-Signature over the raw body), to the webhook address it was given, then sends
the browser back to the return address, as the real pages do. `signed_stripe` and
`signed_razorpay` sign any event, for tests that post webhooks themselves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

STRIPE_KEY = "sk_test_standin"
STRIPE_WHSEC = "whsec_standin_signing_secret"
RAZORPAY_KEY_ID = "rzp_test_standin"
RAZORPAY_SECRET = "standin_key_secret"
RAZORPAY_WHSEC = "standin_webhook_secret"


def signed_stripe(
    event: dict[str, Any], secret: str = STRIPE_WHSEC, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    stamp = str(int(time.time()) if at is None else at)
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={stamp},v1={mac}"}


def signed_razorpay(
    event: dict[str, Any], event_id: str, secret: str = RAZORPAY_WHSEC
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Razorpay-Signature": mac, "X-Razorpay-Event-Id": event_id}


def stripe_event(kind: str, thing: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"evt_{secrets.token_hex(8)}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": thing},
    }


def razorpay_event(
    kind: str, payment: dict[str, Any] | None, subscription: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A Razorpay event: its payload holds the entities it concerns, as Razorpay's do."""
    payload: dict[str, Any] = {}
    if subscription is not None:
        payload["subscription"] = {"entity": subscription}
    if payment is not None:
        payload["payment"] = {"entity": payment}
    return {
        "entity": "event",
        "event": kind,
        "contains": list(payload),
        "created_at": int(time.time()),
        "payload": payload,
    }


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class Standin:
    """Both providers on one local server. `webhooks[provider]` is where it sends events."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, str]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.plans: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []  # (path, key used)
        self.webhooks: dict[str, str] = {}
        self.sent: list[tuple[str, int]] = []  # (event type, the answer's status)
        self.held: list[tuple[bytes, dict[str, str]]] = []  # signed events not yet sent
        self.fail_next = 0  # answer 503 to this many API calls
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._get(self)

            def do_POST(self) -> None:
                owner._post_in(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the APIs ---------------------------------------------------------------------

    def _post_in(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        path = urlsplit(request.path).path
        if path == "/v1/checkout/sessions":
            self._session(request, body)
        elif path in ("/v1/orders", "/v1/plans", "/v1/subscriptions"):
            self._razorpay_api(request, path, body)
        elif path.startswith("/pay/"):
            self._pay_stripe(request, path.removeprefix("/pay/"))
        elif path == "/v1/checkout/embedded":
            self._razorpay_page(request, dict(parse_qsl(body.decode())))
        elif path.startswith("/razorpay/pay/"):
            self._pay_razorpay(request, path.removeprefix("/razorpay/pay/"))
        else:
            self._answer(request, 404, {"error": {"message": "no such route"}})

    def _session(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.calls.append(("/v1/checkout/sessions", key))
        if self.fail_next:
            self.fail_next -= 1
            self._answer(request, 503, {"error": {"message": "try again"}})
            return
        if key != STRIPE_KEY:
            self._answer(request, 401, {"error": {"message": "Invalid API Key provided"}})
            return
        fields = dict(parse_qsl(body.decode()))
        for name in ("mode", "success_url", "cancel_url", "line_items[0][price_data][currency]"):
            if not fields.get(name):
                self._answer(request, 400, {"error": {"message": f"Missing {name}"}})
                return
        again = request.headers.get("Idempotency-Key", "")
        if again in self.idempotency:
            session_id = self.idempotency[again]
        else:
            session_id = f"cs_test_{secrets.token_hex(12)}"
            self.idempotency[again] = session_id
            self.sessions[session_id] = fields
        url = f"{self.base}/pay/{session_id}"
        self._answer(request, 200, {"id": session_id, "object": "checkout.session", "url": url})

    def _razorpay_api(self, request: BaseHTTPRequestHandler, path: str, body: bytes) -> None:
        auth = request.headers.get("Authorization", "").removeprefix("Basic ")
        expected = base64.b64encode(f"{RAZORPAY_KEY_ID}:{RAZORPAY_SECRET}".encode()).decode()
        self.calls.append((path, auth))
        if auth != expected:
            self._answer(request, 401, {"error": {"description": "Authentication failed"}})
            return
        asked = json.loads(body)
        if path == "/v1/orders":
            order_id = f"order_{secrets.token_hex(7)}"
            self.orders[order_id] = asked
            self._answer(request, 200, {"id": order_id, "entity": "order", **asked})
        elif path == "/v1/plans":
            item = asked.get("item") or {}
            periods = ("daily", "weekly", "monthly", "quarterly", "yearly")
            if asked.get("period") not in periods or not item.get("amount"):
                self._bad(request, "period and item needed")
                return
            plan_id = f"plan_{secrets.token_hex(7)}"
            self.plans[plan_id] = asked
            self._answer(request, 200, {"id": plan_id, "entity": "plan", **asked})
        else:
            if asked.get("plan_id") not in self.plans or not asked.get("total_count"):
                self._bad(request, "The id provided does not exist")
                return
            subscription_id = f"sub_{secrets.token_hex(7)}"
            self.subscriptions[subscription_id] = {**asked, "status": "created"}
            self._answer(request, 200, {
                "id": subscription_id, "entity": "subscription", "status": "created",
                "short_url": f"{self.base}/razorpay/subscriptions/{subscription_id}", **asked,
            })  # fmt: skip

    # --- the hosted pages ---------------------------------------------------------------

    def _get(self, request: BaseHTTPRequestHandler) -> None:
        path = urlsplit(request.path).path
        session_id = path.removeprefix("/pay/")
        if not path.startswith("/pay/") or session_id not in self.sessions:
            self._page(request, 404, "<p>No such checkout.</p>")
            return
        fields = self.sessions[session_id]
        amount = int(fields["line_items[0][price_data][unit_amount]"])
        currency = fields["line_items[0][price_data][currency]"].upper()
        self._page(
            request,
            200,
            f"<h1>Test checkout</h1><p>{amount / 100:.2f} {currency}</p>"
            f'<form method="post" action="/pay/{session_id}"><button>Pay</button></form>'
            f'<p><a href="{html.escape(fields["cancel_url"])}">Back</a></p>',
        )

    def _pay_stripe(self, request: BaseHTTPRequestHandler, session_id: str) -> None:
        fields = self.sessions[session_id]
        self.pay_session(session_id)
        self._redirect(request, fields["success_url"])

    def pay_session(self, session_id: str) -> None:
        """What Stripe does when the donor pays: its webhooks, signed, to the endpoint."""
        fields = self.sessions[session_id]
        token = fields["client_reference_id"]
        amount = int(fields["line_items[0][price_data][unit_amount]"])
        currency = fields["line_items[0][price_data][currency]"]
        session: dict[str, Any] = {
            "id": session_id,
            "object": "checkout.session",
            "client_reference_id": token,
            "mode": fields["mode"],
            "amount_total": amount,
            "currency": currency,
            "payment_status": "paid",
        }
        events = []
        if fields["mode"] == "subscription":
            subscription = f"sub_{secrets.token_hex(8)}"
            session["subscription"] = subscription
            events.append(stripe_event("checkout.session.completed", session))
            invoice = {
                "id": f"in_{secrets.token_hex(8)}",
                "object": "invoice",
                "amount_paid": amount,
                "currency": currency,
                "payment_intent": f"pi_{secrets.token_hex(8)}",
                "parent": {
                    "subscription_details": {
                        "subscription": subscription,
                        "metadata": {"donation": token},
                    }
                },
            }
            events.append(stripe_event("invoice.paid", invoice))
        else:
            session["payment_intent"] = f"pi_{secrets.token_hex(8)}"
            events.append(stripe_event("checkout.session.completed", session))
        for event in events:
            body, headers = signed_stripe(event)
            status = _post(
                self.webhooks["stripe"], body, {**headers, "Content-Type": "application/json"}
            )
            self.sent.append((event["type"], status))

    def _razorpay_page(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        # One-off gifts come with an order, monthly ones with a subscription.
        paying = form.get("order_id") or form.get("subscription_id", "")
        kept = self.orders.get(paying) or self.subscriptions.get(paying)
        if form.get("key_id") != RAZORPAY_KEY_ID or kept is None:
            self._page(request, 400, "<p>Unknown key, order or subscription.</p>")
            return
        kept["callback_url"] = form.get("callback_url", "")
        self._page(
            request,
            200,
            f"<h1>Test Razorpay checkout</h1>"
            f'<form method="post" action="/razorpay/pay/{paying}"><button>Pay</button></form>',
        )

    def _pay_razorpay(self, request: BaseHTTPRequestHandler, paying: str) -> None:
        if paying in self.subscriptions:
            self.authorise_subscription(paying)
            self._redirect(request, self.subscriptions[paying]["callback_url"])
        else:
            self.pay_order(paying)
            self._redirect(request, self.orders[paying]["callback_url"])

    def _subscription_entity(self, subscription_id: str) -> dict[str, Any]:
        kept = self.subscriptions[subscription_id]
        return {
            "id": subscription_id,
            "entity": "subscription",
            "plan_id": kept["plan_id"],
            "status": kept["status"],
            "total_count": kept["total_count"],
            "paid_count": kept.get("paid_count", 0),
            "notes": kept.get("notes", {}),
        }

    def _send_razorpay(self, event: dict[str, Any]) -> None:
        body, headers = signed_razorpay(event, f"E{secrets.token_hex(7)}")
        if "razorpay" not in self.webhooks:
            # No server to send to (a test without a live server): the test posts them.
            self.held.append((body, headers))
            return
        status = _post(
            self.webhooks["razorpay"], body, {**headers, "Content-Type": "application/json"}
        )
        self.sent.append((event["event"], status))

    def authorise_subscription(self, subscription_id: str) -> None:
        """The donor authorised the first payment: Razorpay activates the subscription and
        charges the first month."""
        self.subscriptions[subscription_id]["status"] = "active"
        self._send_razorpay(
            razorpay_event(
                "subscription.activated", None, self._subscription_entity(subscription_id)
            )
        )
        self.charge_subscription(subscription_id)

    def charge_subscription(self, subscription_id: str) -> str:
        """One month charged: `subscription.charged` with the subscription and the payment."""
        kept = self.subscriptions[subscription_id]
        plan = self.plans[kept["plan_id"]]
        kept["paid_count"] = kept.get("paid_count", 0) + 1
        payment = {
            "id": f"pay_{secrets.token_hex(7)}",
            "entity": "payment",
            "amount": plan["item"]["amount"],
            "currency": plan["item"]["currency"],
            "status": "captured",
            "invoice_id": f"inv_{secrets.token_hex(7)}",
            "notes": {},
        }
        self._send_razorpay(
            razorpay_event(
                "subscription.charged", payment, self._subscription_entity(subscription_id)
            )
        )
        return str(payment["id"])

    def cancel_subscription(self, subscription_id: str) -> None:
        self.subscriptions[subscription_id]["status"] = "cancelled"
        self._send_razorpay(
            razorpay_event(
                "subscription.cancelled", None, self._subscription_entity(subscription_id)
            )
        )

    def pay_order(self, order_id: str) -> None:
        order = self.orders[order_id]
        payment = {
            "id": f"pay_{secrets.token_hex(7)}",
            "entity": "payment",
            "amount": order["amount"],
            "currency": order["currency"],
            "status": "captured",
            "order_id": order_id,
            "notes": order.get("notes", {}),
        }
        for kind in ("payment.captured", "order.paid"):
            body, headers = signed_razorpay(
                razorpay_event(kind, payment), f"E{secrets.token_hex(7)}"
            )
            status = _post(
                self.webhooks["razorpay"], body, {**headers, "Content-Type": "application/json"}
            )
            self.sent.append((kind, status))

    # --- answers ----------------------------------------------------------------------

    def _bad(self, request: BaseHTTPRequestHandler, description: str) -> None:
        error = {"code": "BAD_REQUEST_ERROR", "description": description}
        self._answer(request, 400, {"error": error})

    def _answer(self, request: BaseHTTPRequestHandler, status: int, value: object) -> None:
        body = json.dumps(value).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _page(self, request: BaseHTTPRequestHandler, status: int, inner: str) -> None:
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout</title>'
            '<meta name="viewport" content="width=device-width"></head>'
            f"<body><main>{inner}</main></body></html>"
        ).encode()
        request.send_response(status)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _redirect(self, request: BaseHTTPRequestHandler, url: str) -> None:
        request.send_response(303)
        request.send_header("Location", url)
        request.send_header("Content-Length", "0")
        request.end_headers()
