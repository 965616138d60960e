"""The payment-provider interface: what Shopwright asks of any provider, and the values it gets back.

A provider adapter makes network calls; callers must never hold a database
transaction around them (payments.services keeps to that).

OWNER: helper "payments".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class ProviderError(Exception):
    """The provider could not be reached or refused the call; safe to retry with the same idempotency key."""


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
    order_reference: str
    # Where the provider sends the buyer back (the order's payment-return page, with its token).
    return_url: str
    # Where the provider posts its events for this store.
    webhook_url: str
    idempotency_key: str
    # Only for the provider's receipt; recorded in the sharing ledger.
    email: str = ""


@dataclass(frozen=True)
class ProviderPayment:
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


@dataclass(frozen=True)
class ProviderEvent:
    event_id: str
    event_type: str
    # The payment the event is about (its state as the event tells it), if any.
    payment: ProviderPayment | None = None
    refund: ProviderRefund | None = None


class PaymentProvider(Protocol):
    name: str

    def create_payment(self, request: PaymentRequest) -> ProviderPayment: ...

    def fetch_payment(self, reference: str) -> ProviderPayment: ...

    def refund(
        self, *, reference: str, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> ProviderRefund: ...

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        """Verify signature and timestamp (5-minute tolerance), then parse; raises WebhookRejected."""
        ...
