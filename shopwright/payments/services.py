"""Writes on payments: start a payment, apply what the provider says (webhook or fetch), refund.

No provider call is made inside a database transaction: each service
writes its intent in one short transaction, calls the provider with none
open, then applies the answer in another.

OWNER: helper "payments".
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from shopwright.core.exceptions import ApplicationError

if TYPE_CHECKING:
    from shopwright.core.audit import Actor
    from shopwright.orders.models import Order
    from shopwright.payments.models import Payment, Refund
    from shopwright.stores.models import Store


class PaymentUnavailable(ApplicationError):
    """The provider could not be reached; the buyer may try again (nothing was charged twice)."""


def payment_start(*, store: Store, order: Order, return_url: str) -> Payment:
    """Start (or resume) collecting an order pending payment; the buyer is then sent to `redirect_url`.

    An open attempt of the order (created, or needing action) is returned as
    it is, so a double click never creates a second payment. Records the
    hand-over in the sharing ledger. Raises PaymentUnavailable,
    ApplicationError (order not payable).
    """
    raise NotImplementedError


def payment_sync(*, store: Store, payment: Payment) -> Payment:
    """Ask the provider for the payment's state and apply it (the buyer's return page does this)."""
    raise NotImplementedError


def webhook_receive(*, store: Store, provider_name: str, body: bytes, headers: Mapping[str, str], ip: str = "") -> str:
    """Verify and apply one provider event at most once; returns "applied", "duplicate" or "ignored".

    Raises WebhookRejected (bad signature or stale timestamp: the caller
    answers 400) after writing an audit entry; changes nothing else.
    """
    raise NotImplementedError


def refund_create(*, store: Store, order: Order, amount: Decimal, reason: str, actor: Actor) -> Refund:
    """Refund part or all of an order's paid amount through the provider.

    Raises ApplicationError for an amount <= 0 or above what is refundable,
    PaymentUnavailable when the provider cannot be reached (the refund stays
    pending and a retry with the same key is safe).
    """
    raise NotImplementedError
