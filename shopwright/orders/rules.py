"""The rules that say what may happen to an order next, as plain predicates over rows already read.

orders.services checks them under the order's lock before it writes;
orders.selectors.order_actions asks the same questions of a loaded order
so a page offers only what the services will accept. Keeping them here,
in one place, is what stops the two from drifting apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shopwright.orders.models import OrderStatus

# Statuses in which an order still ships: paid and not (wholly) shipped, possibly partly refunded.
SHIPPABLE_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_FULFILLED, OrderStatus.PARTIALLY_REFUNDED})

# Statuses from which a refund is applied (services.TRANSITIONS lets each become (partially) refunded).
REFUNDABLE_STATUSES = frozenset(
    {OrderStatus.PAID, OrderStatus.PARTIALLY_FULFILLED, OrderStatus.FULFILLED, OrderStatus.PARTIALLY_REFUNDED}
)

# Statuses from which an unshipped order may be cancelled: directly (pending payment, paid, refunded in
# full), or once refunded in full, which the back office does first (payments.services.order_cancel_with_refund).
CANCELLABLE_STATUSES = frozenset(
    {OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED}
)

SHIPPED_MESSAGE = "A shipped order cannot be cancelled; refund it instead."
PARTLY_SHIPPED_MESSAGE = "Part of this order has shipped: it cannot be cancelled; refund it instead."


def has_shipped(*, status: str, fulfilled_at: Any, any_line_shipped: bool) -> bool:
    """Whether anything of the order left the store (a shipped order is refunded, never cancelled)."""
    return (
        status in (OrderStatus.PARTIALLY_FULFILLED, OrderStatus.FULFILLED)
        or fulfilled_at is not None
        or any_line_shipped
    )


def paid_by(paid_event_data: Iterable[Any]) -> int | None:
    """The id of the payment that paid the order, from its "paid" events' data, newest first; None if none.

    The order's timeline names the payment it took; other succeeded payments
    (a second tab, money for an order that could not take it) were returned.
    """
    for data in paid_event_data:
        payment_id = data.get("payment_id") if isinstance(data, dict) else None
        return payment_id if isinstance(payment_id, int) and not isinstance(payment_id, bool) else None
    return None
