"""Writes on orders: placing, payment outcomes, cancelling, fulfilling, refunds applied, reservations expiring.

OWNER: helper "orders". Signatures are the contract payments, checkout
pages and the back office use.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from shopwright.core.exceptions import ApplicationError

if TYPE_CHECKING:
    from shopwright.checkout.models import Checkout
    from shopwright.core.audit import Actor
    from shopwright.orders.models import Order
    from shopwright.payments.models import Payment, Refund
    from shopwright.stores.models import Store

# How long a placed order holds its stock while the buyer pays.
RESERVATION_MINUTES = 15


class CheckoutChanged(ApplicationError):
    """Prices, stock or shipping changed since the buyer reviewed the checkout; nothing was placed."""


class CheckoutIncomplete(ApplicationError):
    """The checkout lacks what an order needs (address, method, lines), or has problems; `fields` says what."""


@dataclass(frozen=True)
class OrderPlaced:
    order: Order
    # The secret of the buyer's order link; None when the checkout had already placed this order.
    token: str | None
    created: bool


def order_place(*, store: Store, checkout: Checkout, reviewed_signature: str, actor: Actor) -> OrderPlaced:
    """Turn a checkout into an order pending payment, holding its stock for RESERVATION_MINUTES.

    One transaction: the checkout row is locked first, so a second click
    finds the order the first one placed (created=False) instead of placing
    another. Totals are priced again here (checkout_priced); when the
    signature differs from `reviewed_signature` nothing is placed and
    CheckoutChanged is raised. Raises CheckoutIncomplete, InsufficientStock.
    The cart is emptied in the same transaction. At most 30 queries,
    whatever the number of lines.
    """
    raise NotImplementedError


class PaymentOutcome(enum.Enum):
    APPLIED = "applied"  # the order is now paid
    ALREADY_PAID = "already_paid"  # this payment was applied before (duplicate event): nothing changed
    REFUND_NEEDED = "refund_needed"  # money arrived for an order that cannot take it (cancelled and stock gone,
    # or already paid by another payment): the caller refunds it


def order_payment_succeeded(*, store: Store, order: Order, payment: Payment) -> PaymentOutcome:
    """Apply a successful payment: the reservation becomes a sale, sales counts grow, confirmation email.

    Must run inside the caller's transaction (payments locks the payment row
    first, then this locks the order). An order whose reservation expired is
    re-reserved if the stock is still there, else REFUND_NEEDED.
    """
    raise NotImplementedError


def order_payment_failed(*, store: Store, order: Order, payment: Payment) -> None:
    """Record a declined or failed attempt (timeline, "payment failed" email); the order stays payable."""
    raise NotImplementedError


def order_payment_action_required(*, store: Store, order: Order, payment: Payment) -> None:
    """Record that the provider asks the buyer for extra authentication (timeline only)."""
    raise NotImplementedError


def order_refund_applied(*, store: Store, order: Order, refund: Refund) -> Order:
    """Add a succeeded refund to the order: refunded total, status (partially) refunded, timeline, email."""
    raise NotImplementedError


def order_cancel(*, store: Store, order: Order, actor: Actor, reason: str = "") -> Order:
    """Cancel an unfulfilled order and put its units back in stock (once, even if retried).

    A paid order must have been refunded in full first (the back office
    refunds, then cancels); raises ApplicationError otherwise.
    """
    raise NotImplementedError


def order_fulfil(
    *,
    store: Store,
    order: Order,
    actor: Actor,
    carrier: str,
    tracking_number: str,
    tracking_url: str = "",
    quantities: dict[int, int] | None = None,
) -> Order:
    """Ship some or all of what is left: a Fulfillment, status (partially) fulfilled, "shipped" email.

    `quantities` maps order line id -> units; None ships everything not yet shipped.
    """
    raise NotImplementedError


def order_reservations_expire(*, now: datetime | None = None, batch: int = 200) -> int:
    """Cancel orders still pending payment whose hold ran out, releasing their stock; returns how many.

    The periodic job calls it every minute; idempotent, each order in its own transaction.
    """
    raise NotImplementedError


def order_refundable(order: Order) -> Decimal:
    """What may still be refunded: total minus refunded."""
    return order.total - order.refunded_total
