"""The payment-provider interface: what Shopwright asks of any provider, and the values it gets back.

A provider adapter makes network calls; callers must never hold a database
transaction around them (payments.services keeps to that).

OWNER: helper "payments".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class ProviderError(Exception):
    """The provider could not be reached or refused the call; safe to retry with the same idempotency key.

    `retryable` is False when the provider answered with a refusal that a
    retry would only repeat (an invalid request, an amount too large);
    `code` is the provider's machine code, safe to store and log.
    """

    def __init__(self, message: str, *, retryable: bool = True, code: str = ""):
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class WebhookRejected(Exception):
    """A webhook whose signature or timestamp does not check out; `reason` is safe to log."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class PaymentRequest:
    amount: Decimal
    currency: str
    # "#1001 at Demo Store": what the buyer sees on the provider's page.
    description: str
    # The order number ("1001"): Stripe's client_reference_id, what the merchant searches by.
    order_reference: str
    # Where the provider sends the buyer back (the order's payment-return page, with its token).
    return_url: str
    # Where the provider posts its events for this store.
    webhook_url: str
    idempotency_key: str
    # Only for the provider's receipt (providers with sends_email); recorded in the sharing ledger.
    email: str = ""
    # Ids (not personal) a provider keeps as metadata, to tie its records back to ours.
    order_id: int | None = None
    store_id: int | None = None
    # After it the provider's page must take no payment: the order's hold on its stock ends then.
    # A provider with a minimum lifetime (Stripe: 30 minutes) keeps it open at least that long.
    expires_at: datetime | None = None
    # When the attempt was made: a minimum lifetime counts from it, so that a repeated create (the
    # same idempotency key) sends exactly the same parameters as the first.
    created_at: datetime | None = None


@dataclass(frozen=True)
class ProviderPayment:
    # Empty when the provider's event names only the charge (Stripe's charge.refunded): then
    # the payment is found by `charge_reference`.
    reference: str
    # One of payments.models.PaymentStatus values.
    status: str
    redirect_url: str = ""
    charge_reference: str = ""
    card_brand: str = ""
    card_last4: str = ""
    failure_code: str = ""
    amount: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True)
class ProviderRefund:
    reference: str
    # One of payments.models.RefundStatus values.
    status: str
    failure_code: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class ProviderEvent:
    event_id: str
    event_type: str
    # The payment the event is about (its state as the event tells it), if any.
    payment: ProviderPayment | None = None
    refund: ProviderRefund | None = None


class PaymentProvider(Protocol):
    # The key stored on Payment.provider and in the webhook URL: "test", "stripe".
    name: str
    # Who receives the data, as the sharing ledger and the buyer read it: "Stripe".
    display_name: str
    # Whether create_payment hands the buyer's email to the provider (for its receipt).
    sends_email: bool

    @property
    def page_origin(self) -> str:
        """The origin ("https://checkout.stripe.com") of the provider's hosted page: store pages whose
        forms lead there (303 after POST) allow it in their CSP form-action."""
        ...

    def create_payment(self, request: PaymentRequest) -> ProviderPayment: ...

    def fetch_payment(self, reference: str) -> ProviderPayment: ...

    def cancel_payment(self, reference: str) -> ProviderPayment:
        """Close the payment's page so nothing more can be paid through it; answers its state afterwards.

        Closing one already closed is harmless (its state is answered); one
        paid just before the call is answered SUCCEEDED, not an error, so the
        caller applies the payment instead of losing it. Raises ProviderError.
        """
        ...

    def refund(
        self, *, reference: str, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ProviderRefund: ...

    def fetch_refund(self, reference: str) -> ProviderRefund:
        """A refund's state at the provider (the sweep of refunds whose webhook never came). Raises ProviderError."""
        ...

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        """Verify signature and timestamp (5-minute tolerance), then parse; raises WebhookRejected."""
        ...


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever its case (Django's request.headers is case-insensitive; a dict is not)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
