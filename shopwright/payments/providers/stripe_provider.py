"""Stripe, through the official `stripe` library: Checkout Sessions, refunds, signed webhooks.

The buyer pays on Stripe's hosted Checkout page (one line: "Order #1001"
for the order's total), so no card detail ever reaches Shopwright. Each
call builds its own `StripeClient` with the store's secret key and
settings.STRIPE_API_BASE (the tests point it at a local stub): no global
state is touched, so two stores' keys never mix. Creates and refunds carry
our idempotency key, so a retried call never makes a second session or
refund.

Webhooks are checked with `stripe.Webhook.construct_event` (signature and a
5-minute timestamp tolerance) against the store's webhook secret.

Amounts go to Stripe in its own minor units, which are not always ISO
4217's: see `to_minor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import stripe
from babel.numbers import get_currency_precision
from django.conf import settings
from django.utils import timezone

from shopwright.payments.models import PaymentStatus, RefundStatus
from shopwright.payments.providers.base import (
    PaymentRequest,
    ProviderError,
    ProviderEvent,
    ProviderPayment,
    ProviderRefund,
    WebhookRejected,
    header_value,
)

TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "Stripe-Signature"

_SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
# A refund's own events: their object is the Refund (id, status, amount, currency, payment_intent).
_REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed"}
_REFUND_STATUS = {
    "succeeded": RefundStatus.SUCCEEDED,
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}


# Stripe's zero-decimal currencies (docs.stripe.com/currencies#zero-decimal): 1200 JPY is sent as 1200.
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
# Stripe's special cases: sent as two-decimal amounts whatever ISO 4217 says (5 ISK is 500, and so is 5 UGX,
# although UGX is in the list above), for backwards compatibility of its API.
TIMES_100 = frozenset("ISK HUF TWD UGX".split())
# Three-decimal currencies: Stripe wants them with a last digit of 0; Shopwright's money columns keep two
# places, so it cannot send them right, and refuses them instead of charging a tenth of the price.
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())
# Stripe keeps a Checkout Session open at least 30 minutes (and at most 24 hours) after it is created;
# a minute more leaves room for the time the request takes to reach it.
SESSION_MIN_LIFETIME = timedelta(minutes=31)
SESSION_MAX_LIFETIME = timedelta(hours=23, minutes=59)


def supports_currency(currency: str) -> bool:
    """False for a currency Stripe's minor units cannot carry from our amounts (three decimals)."""
    code = currency.upper()
    try:
        places = get_currency_precision(code)
    except (KeyError, ValueError):
        places = 2
    return code not in THREE_DECIMAL and places < 3


def _factor(currency: str) -> int:
    code = currency.upper()
    return 1 if code in ZERO_DECIMAL and code not in TIMES_100 else 100


def to_minor(amount: Decimal, currency: str) -> int:
    """`amount` in Stripe's minor units: 12.50 EUR is 1250, 1200 JPY is 1200, 500 ISK is 50000.

    Raises ProviderError (not retryable, code `currency_not_supported`) for a
    three-decimal currency, and (`invalid_amount`) for an amount with more
    places than Stripe's unit holds (0.5 JPY).
    """
    if not supports_currency(currency):
        raise ProviderError(
            f"Stripe: {currency} amounts have three decimals", retryable=False, code="currency_not_supported"
        )
    minor = amount * _factor(currency)
    if minor != minor.to_integral_value():
        raise ProviderError(
            f"Stripe: {amount} {currency} is not a whole minor unit", retryable=False, code="invalid_amount"
        )
    return int(minor)


def from_minor(value: Any, currency: str) -> Decimal | None:
    if not isinstance(value, int) or isinstance(value, bool) or not currency:
        return None
    return Decimal(value) / _factor(currency)


def session_expires_at(wanted: datetime | None, *, now: datetime | None = None) -> int:
    """When a new Checkout Session closes (Unix time): the order's hold, kept within Stripe's 30 min to 24 h."""
    now = now or timezone.now()
    earliest, latest = now + SESSION_MIN_LIFETIME, now + SESSION_MAX_LIFETIME
    return int(min(max(wanted or latest, earliest), latest).timestamp())


def _id(value: Any) -> str:
    """An id whether the field came expanded (an object) or not (its id)."""
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return str(value or "")


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj or {})


def _card(intent: Mapping[str, Any]) -> tuple[str, str]:
    charge = intent.get("latest_charge")
    if not isinstance(charge, Mapping):
        return "", ""
    card = ((charge.get("payment_method_details") or {}).get("card")) or {}
    return str(card.get("brand") or ""), str(card.get("last4") or "")


def session_payment(session: Mapping[str, Any]) -> ProviderPayment:
    """A Checkout Session as a ProviderPayment (card details only when its payment_intent came expanded)."""
    intent = session.get("payment_intent")
    intent_map: Mapping[str, Any] = intent if isinstance(intent, Mapping) else {}
    state, paid = session.get("status"), session.get("payment_status")
    failure = ""
    if state == "expired":
        status = PaymentStatus.CANCELLED
    elif state == "complete" and paid in ("paid", "no_payment_required"):
        status = PaymentStatus.SUCCEEDED
    else:
        status = PaymentStatus.CREATED
        error = intent_map.get("last_payment_error")
        if isinstance(error, Mapping):
            # A declined card: the session stays open and the buyer may try another one.
            status = PaymentStatus.FAILED
            failure = str(error.get("decline_code") or error.get("code") or "card_declined")
        elif intent_map.get("status") == "requires_action":
            status = PaymentStatus.ACTION_REQUIRED
    brand, last4 = _card(intent_map) if status == PaymentStatus.SUCCEEDED else ("", "")
    currency = str(session.get("currency") or "").upper()
    return ProviderPayment(
        reference=str(session.get("id") or ""),
        status=status,
        redirect_url=str(session.get("url") or ""),
        charge_reference=_id(intent),
        card_brand=brand,
        card_last4=last4,
        failure_code=failure,
        amount=from_minor(session.get("amount_total"), currency),
        currency=currency,
    )


def _refund(data: Mapping[str, Any], currency: str) -> ProviderRefund:
    """A Stripe Refund object as a ProviderRefund."""
    return ProviderRefund(
        reference=str(data.get("id") or ""),
        status=_REFUND_STATUS.get(str(data.get("status")), RefundStatus.PENDING),
        failure_code=str(data.get("failure_reason") or ""),
        amount=from_minor(data.get("amount"), str(data.get("currency") or currency).upper()),
    )


def _provider_error(exc: stripe.StripeError) -> ProviderError:
    """Connection trouble, rate limits, Stripe's 5xx and 409 are worth a retry; other refusals are not.

    409 is Stripe saying a request with the same idempotency key is still in
    flight: the retry will get that request's answer.
    """
    status = exc.http_status or 0
    retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or status >= 500 or status == 409
    code = str(getattr(exc, "code", "") or type(exc).__name__)
    return ProviderError(f"Stripe: {type(exc).__name__} ({code})", retryable=retryable, code=code)


class StripeProvider:
    name = "stripe"
    display_name = "Stripe"
    # Checkout prefills it and Stripe sends its receipt there.
    sends_email = True
    page_origin = "https://checkout.stripe.com"

    def __init__(self, *, secret_key: str, webhook_secret: str):
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret

    def __repr__(self) -> str:  # never the keys
        return "StripeProvider()"

    def _client(self) -> stripe.StripeClient:
        if not self._secret_key:
            raise ProviderError("Stripe has no secret key for this store", retryable=False, code="not_configured")
        return stripe.StripeClient(
            self._secret_key,
            base_addresses={"api": settings.STRIPE_API_BASE},
            max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        )

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        metadata = {"order_id": str(request.order_id or ""), "store_id": str(request.store_id or "")}
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": to_minor(request.amount, request.currency),
                        "product_data": {"name": f"Order #{request.order_reference}"},
                    },
                }
            ],
            "success_url": request.return_url,
            "cancel_url": request.return_url,
            "client_reference_id": request.order_reference,
            "expires_at": session_expires_at(request.expires_at, now=request.created_at),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata, "description": request.description},
        }
        if request.email:
            params["customer_email"] = request.email
        try:
            session = self._client().v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from None
        return session_payment(_as_dict(session))

    def fetch_payment(self, reference: str) -> ProviderPayment:
        try:
            session = self._client().v1.checkout.sessions.retrieve(
                reference, params={"expand": ["payment_intent.latest_charge"]}
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from None
        return session_payment(_as_dict(session))

    def cancel_payment(self, reference: str) -> ProviderPayment:
        """Expire the Checkout Session (its page then takes no payment); one no longer open answers its state."""
        try:
            session = self._client().v1.checkout.sessions.expire(reference)
        except stripe.InvalidRequestError:
            # Not open any more: completed (paid just before) or already expired. Say which.
            return self.fetch_payment(reference)
        except stripe.StripeError as exc:
            raise _provider_error(exc) from None
        return session_payment(_as_dict(session))

    def fetch_refund(self, reference: str) -> ProviderRefund:
        try:
            refund = self._client().v1.refunds.retrieve(reference)
        except stripe.StripeError as exc:
            raise _provider_error(exc) from None
        return _refund(_as_dict(refund), "")

    def refund(
        self, *, reference: str, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ProviderRefund:
        intent = charge_reference or self.fetch_payment(reference).charge_reference
        if not intent:
            raise ProviderError("Stripe: the payment has no PaymentIntent", retryable=False, code="no_payment_intent")
        try:
            made = self._client().v1.refunds.create(
                params={"payment_intent": intent, "amount": to_minor(amount, currency)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from None
        return _refund(_as_dict(made), currency)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        if not self._webhook_secret:
            raise WebhookRejected("no Stripe webhook secret configured")
        signature = header_value(headers, SIGNATURE_HEADER)
        try:
            event = stripe.Webhook.construct_event(
                body.decode("utf-8"), signature, self._webhook_secret, tolerance=TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as exc:
            reason = "timestamp outside the tolerance" if "tolerance" in str(exc) else "signature does not match"
            raise WebhookRejected(reason) from None
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("malformed event body") from None
        data = _as_dict(event)
        event_id, event_type = str(data.get("id") or ""), str(data.get("type") or "")
        obj = (data.get("data") or {}).get("object") or {}
        if not event_id:
            raise WebhookRejected("malformed event body")
        if event_type in _SESSION_EVENTS:
            payment = session_payment(obj)
            if event_type == "checkout.session.async_payment_failed":
                payment = ProviderPayment(
                    reference=payment.reference,
                    status=PaymentStatus.FAILED,
                    charge_reference=payment.charge_reference,
                    failure_code="async_payment_failed",
                )
            elif event_type == "checkout.session.async_payment_succeeded":
                payment = ProviderPayment(
                    reference=payment.reference,
                    status=PaymentStatus.SUCCEEDED,
                    charge_reference=payment.charge_reference,
                )
            return ProviderEvent(event_id=event_id, event_type=event_type, payment=payment)
        if event_type == "charge.refunded":
            return self._charge_refunded(event_id, obj)
        if event_type in _REFUND_EVENTS:
            return self._refund_event(event_id, event_type, obj)
        return ProviderEvent(event_id=event_id, event_type=event_type)

    def _refund_event(self, event_id: str, event_type: str, obj: Mapping[str, Any]) -> ProviderEvent:
        """A refund created, moving (pending → succeeded) or failing: it names its PaymentIntent."""
        refund = _refund(obj, "")
        if event_type == "refund.failed":
            refund = ProviderRefund(
                reference=refund.reference,
                status=RefundStatus.FAILED,
                failure_code=refund.failure_code or "failed",
                amount=refund.amount,
            )
        payment = ProviderPayment(
            reference="", status=PaymentStatus.SUCCEEDED, charge_reference=_id(obj.get("payment_intent"))
        )
        return ProviderEvent(event_id=event_id, event_type=event_type, payment=payment, refund=refund)

    def _charge_refunded(self, event_id: str, charge: Mapping[str, Any]) -> ProviderEvent:
        """A refund settled: the charge names its PaymentIntent (our charge_reference) and its refunds."""
        currency = str(charge.get("currency") or "").upper()
        payment = ProviderPayment(
            reference="", status=PaymentStatus.SUCCEEDED, charge_reference=_id(charge.get("payment_intent"))
        )
        refunds = (charge.get("refunds") or {}).get("data") or []
        latest = refunds[0] if refunds and isinstance(refunds[0], Mapping) else None
        refund = None
        if latest is not None:
            refund = ProviderRefund(
                reference=str(latest.get("id") or ""),
                status=_REFUND_STATUS.get(str(latest.get("status")), RefundStatus.PENDING),
                amount=from_minor(latest.get("amount"), currency),
            )
        return ProviderEvent(event_id=event_id, event_type="charge.refunded", payment=payment, refund=refund)
