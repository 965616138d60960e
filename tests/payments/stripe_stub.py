"""A local stand-in for the few Stripe API endpoints Shopwright uses, and Stripe-style webhook signatures.

`StripeStub` is a ThreadingHTTPServer on 127.0.0.1 speaking what the
official library sends: form-encoded bodies (`line_items[0][price_data][currency]=usd`),
`Authorization: Bearer <secret key>`, `Idempotency-Key` on POSTs. It keeps
Checkout Sessions, PaymentIntents, charges and refunds in memory, answers
Stripe-shaped JSON objects, and replays the first answer for a repeated
Idempotency-Key (refusing, as Stripe does, the same key with other
parameters). Tests drive the "buyer" with `complete()` / `decline()` and
read `requests` to check what was sent.

`sign()` signs a webhook payload as Stripe does:
`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_ids = itertools.count(1)


def _new_id(prefix: str) -> str:
    return f"{prefix}_stub{next(_ids):06d}"


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload`, as Stripe computes it."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event_payload(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> str:
    """A webhook body shaped like Stripe's (a snapshot event)."""
    return json.dumps(
        {
            "id": event_id or _new_id("evt"),
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": event_type,
            "data": {"object": obj},
        }
    )


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


@dataclass
class StubState:
    secret_key: str
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Idempotency-Key -> (params, status, body): a repeat answers the same.
    replies: dict[str, tuple[dict[str, str], int, bytes]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    # The next N API calls answer 500 (Stripe having a bad moment).
    fail_next: int = 0
    # What a new refund's status is: "succeeded" (cards), or "pending" until settle_refunds().
    refund_status: str = "succeeded"
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", _new_id("req"))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, kind: str, message: str, code: str = "") -> tuple[int, bytes]:
        error = {"type": kind, "message": message}
        if code:
            error["code"] = code
        return status, json.dumps({"error": error}).encode()

    def _handle(self, method: str) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else parts.query
        params = dict(parse_qsl(raw, keep_blank_values=True))
        headers = dict(self.headers.items())
        with state.lock:
            state.requests.append(Recorded(method, parts.path, headers, params))
            if self.headers.get("Authorization") != f"Bearer {state.secret_key}":
                status, body = self._error(401, "invalid_request_error", "Invalid API Key provided.")
                return self._send(status, body)
            if state.fail_next > 0:
                state.fail_next -= 1
                status, body = self._error(500, "api_error", "Something went wrong on Stripe's end.")
                return self._send(status, body)
            key = self.headers.get("Idempotency-Key") if method == "POST" else None
            if key and key in state.replies:
                first_params, status, body = state.replies[key]
                if first_params != params:
                    status, body = self._error(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters.",
                    )
                return self._send(status, body)
            status, body = self._route(method, parts.path, params)
            if key and status < 500:
                state.replies[key] = (params, status, body)
            self._send(status, body)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # --- the endpoints ------------------------------------------------------------

    def _route(self, method: str, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._session_create(params)
        if method == "POST" and path.startswith("/v1/checkout/sessions/") and path.endswith("/expire"):
            return self._session_expire(path.split("/")[4])
        if method == "GET" and path.startswith("/v1/checkout/sessions/"):
            return self._session_retrieve(path.rsplit("/", 1)[1], params)
        if method == "POST" and path == "/v1/refunds":
            return self._refund_create(params)
        if method == "GET" and path.startswith("/v1/refunds/"):
            return self._refund_retrieve(path.rsplit("/", 1)[1])
        return self._error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _session_create(self, params: dict[str, str]) -> tuple[int, bytes]:
        state = self.server.state
        if params.get("mode") != "payment":
            return self._error(400, "invalid_request_error", "Missing required param: mode.", "parameter_missing")
        try:
            amount = int(params["line_items[0][price_data][unit_amount]"])
            quantity = int(params["line_items[0][quantity]"])
            currency = params["line_items[0][price_data][currency]"]
        except (KeyError, ValueError):
            return self._error(400, "invalid_request_error", "Invalid line_items.", "parameter_invalid_integer")
        session_id = _new_id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount * quantity,
            "currency": currency,
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "payment_intent": None,
            "expires_at": int(params["expires_at"]) if params.get("expires_at") else None,
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "livemode": False,
        }
        state.sessions[session_id] = session
        return 200, json.dumps(session).encode()

    def _session_retrieve(self, session_id: str, params: dict[str, str]) -> tuple[int, bytes]:
        state = self.server.state
        session = state.sessions.get(session_id)
        if session is None:
            return self._error(
                404, "invalid_request_error", f"No such checkout.session: '{session_id}'", "resource_missing"
            )
        answer = dict(session)
        expand = [v for k, v in params.items() if k.startswith("expand[")]
        intent_id = session.get("payment_intent")
        if intent_id and "payment_intent.latest_charge" in expand:
            answer["payment_intent"] = state.intents[intent_id]
        elif intent_id and "payment_intent" in expand:
            intent = dict(state.intents[intent_id])
            intent["latest_charge"] = intent["latest_charge"]["id"] if intent["latest_charge"] else None
            answer["payment_intent"] = intent
        return 200, json.dumps(answer).encode()

    def _session_expire(self, session_id: str) -> tuple[int, bytes]:
        """Only an open session can be expired (as at Stripe); its page then takes no payment."""
        session = self.server.state.sessions.get(session_id)
        if session is None:
            return self._error(
                404, "invalid_request_error", f"No such checkout.session: '{session_id}'", "resource_missing"
            )
        if session["status"] != "open":
            return self._error(
                400,
                "invalid_request_error",
                f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a '
                f'status of "{session["status"]}".',
            )
        session.update(status="expired", url=None)
        return 200, json.dumps(session).encode()

    def _refund_retrieve(self, refund_id: str) -> tuple[int, bytes]:
        refund = self.server.state.refunds.get(refund_id)
        if refund is None:
            return self._error(404, "invalid_request_error", f"No such refund: '{refund_id}'", "resource_missing")
        return 200, json.dumps(refund).encode()

    def _refund_create(self, params: dict[str, str]) -> tuple[int, bytes]:
        state = self.server.state
        intent = state.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return self._error(400, "invalid_request_error", "No such payment_intent.", "resource_missing")
        refunded = sum(r["amount"] for r in state.refunds.values() if r["payment_intent"] == intent["id"])
        amount = int(params.get("amount") or intent["amount"] - refunded)
        if amount > intent["amount"] - refunded:
            return self._error(
                400, "invalid_request_error", "Refund amount is greater than unrefunded amount.", "amount_too_large"
            )
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"]["id"],
            "status": state.refund_status,
        }
        state.refunds[refund["id"]] = refund
        return 200, json.dumps(refund).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: StubState


class StripeStub:
    """Start with `with StripeStub(secret_key=...) as stub:`; point settings.STRIPE_API_BASE at `stub.url`."""

    def __init__(self, *, secret_key: str):
        self.state = StubState(secret_key=secret_key)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> StripeStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def requests(self) -> list[Recorded]:
        return list(self.state.requests)

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.state.requests if r.method == method and r.path == path]

    def complete(self, session_id: str, *, brand: str = "visa", last4: str = "4242") -> dict[str, Any]:
        """The buyer paid on Stripe's page: the session is complete and paid, with a PaymentIntent and charge."""
        with self.state.lock:
            session = self.state.sessions[session_id]
            intent_id, charge_id = _new_id("pi"), _new_id("ch")
            self.state.intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": session["amount_total"],
                "currency": session["currency"],
                "status": "succeeded",
                "last_payment_error": None,
                "latest_charge": {
                    "id": charge_id,
                    "object": "charge",
                    "amount": session["amount_total"],
                    "currency": session["currency"],
                    "payment_intent": intent_id,
                    "payment_method_details": {"type": "card", "card": {"brand": brand, "last4": last4}},
                },
            }
            session.update(status="complete", payment_status="paid", payment_intent=intent_id)
            return dict(session)

    def decline(self, session_id: str) -> None:
        """The buyer's card was declined on Stripe's page: the session stays open, its intent holds the error."""
        with self.state.lock:
            session = self.state.sessions[session_id]
            intent_id = _new_id("pi")
            self.state.intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": session["amount_total"],
                "currency": session["currency"],
                "status": "requires_payment_method",
                "last_payment_error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                },
                "latest_charge": None,
            }
            session["payment_intent"] = intent_id

    def settle_refunds(self, status: str = "succeeded") -> list[dict[str, Any]]:
        """Stripe settles the pending refunds (or fails them); returns them as refund.* events carry them."""
        with self.state.lock:
            for refund in self.state.refunds.values():
                refund["status"] = status
            return [dict(refund) for refund in self.state.refunds.values()]

    def charge_of(self, session_id: str) -> dict[str, Any]:
        """The charge object of a paid session, with its refunds (what charge.refunded carries)."""
        with self.state.lock:
            intent = self.state.intents[self.state.sessions[session_id]["payment_intent"]]
            charge = dict(intent["latest_charge"])
            refunds = [r for r in self.state.refunds.values() if r["payment_intent"] == intent["id"]]
            charge["amount_refunded"] = sum(r["amount"] for r in refunds)
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            charge["refunds"] = {"object": "list", "data": list(reversed(refunds))}
            return charge
