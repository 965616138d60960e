"""The order emails: confirmation (when paid), payment failed, shipped, refund issued.

Each is queued with `core.emails.email_queue` inside the writing service's
transaction: the message is rendered now (so a later edit of the order does
not change what was promised), stored encrypted, and handed to a job after
commit. Amounts are formatted here, once, so the text and HTML parts agree.
Nothing about the card is put in a message beyond the brand and last four
digits, which the buyer's own bank statement shows anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from shopwright.core.addresses import address_lines
from shopwright.core.compiled import CompiledRead
from shopwright.core.emails import email_queue
from shopwright.core.links import store_url
from shopwright.orders import display
from shopwright.orders.links import order_page_url
from shopwright.orders.models import OrderEventKind, OrderLine, OrderTaxLine
from shopwright.payments.display import card_brand_name

if TYPE_CHECKING:
    from shopwright.core.models import Email
    from shopwright.orders.models import Fulfillment, Order
    from shopwright.payments.models import Payment, Refund
    from shopwright.stores.models import Store

# Where a signed-in customer finds their orders (storefront/account_order_urls.py: <number>/ is one order).
ACCOUNT_ORDERS_PATH = "/account/orders/"


# Every confirmation email lists the order's tax lines: compiled once (core.compiled).
_TAX_LINES = CompiledRead(
    lambda store_id, order_id: OrderTaxLine.objects.filter(store_id=store_id, order_id=order_id).order_by("id"),
    name="order's tax lines",
)


def buyer_reachable(order: Order) -> bool:
    """Whether the buyer may be written to: not once erased (the kept order's address is restricted) or anonymised."""
    return order.subject_erased_at is None and order.anonymised_at is None and bool(order.email)


def sent_entries(kind: str, email: Email | None) -> list[tuple[str, dict[str, Any]]]:
    """The timeline's "email sent" entry for a queued message; none when nothing was sent."""
    return [(OrderEventKind.EMAIL_SENT, {"email": kind, "email_id": email.pk})] if email is not None else []


def _base_context(*, store: Store, order: Order) -> dict[str, Any]:
    return {
        "order": order,
        "number": order.number,
        "store_link": store_url(store),
        # The order page, for guests and customers alike: a signed link made from the order (orders.links),
        # since the secret of the buyer's first link is not kept. It holds the "Pay" button while unpaid.
        "order_link": order_page_url(store=store, order=order),
        # A customer also finds the order in their account.
        "orders_link": store_url(store, f"{ACCOUNT_ORDERS_PATH}{order.number}/") if order.customer_id else "",
        "total": display.money(order.total, order.currency),
    }


def order_confirmation_queue(
    *, store: Store, order: Order, payment: Payment, lines: Iterable[OrderLine] | None = None
) -> Email | None:
    """Thank the buyer for the paid order: number, lines, totals with tax lines, shipping method, delivery address.

    `lines`: the order's lines in id order when the caller has read them already (orders.services reads
    them once for the sales counts and this message); read here otherwise.
    """
    if not buyer_reachable(order):
        return None
    currency = order.currency
    if lines is None:
        lines = OrderLine.objects.filter(store=store, order=order).order_by("id")
    rows = [
        {
            "title": line.product_title,
            "variant": line.variant_title,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": display.money(line.unit_price, currency),
            "total": display.money(line.line_total, currency),
        }
        for line in lines
    ]
    tax_rows = display.tax_rows(order, _TAX_LINES.all(store_id=store.pk, order_id=order.pk))
    context = _base_context(store=store, order=order) | {
        "lines": rows,
        "tax_rows": tax_rows,
        "subtotal": display.money(order.subtotal, currency),
        "shipping_total": display.money(order.shipping_total, currency),
        "tax_total": display.money(order.tax_total, currency),
        "shipping_method": order.shipping_method_name,
        "address_lines": address_lines(order.shipping_address),
        "card_brand": card_brand_name(payment.card_brand),
        "card_last4": payment.card_last4,
    }
    return email_queue(kind="order_confirmation", to=order.email, store=store, context=context)


def order_payment_failed_queue(*, store: Store, order: Order, payment: Payment) -> Email | None:
    """Tell the buyer the payment did not go through: the order is still held; pay again or contact the store."""
    if not buyer_reachable(order):
        return None
    context = _base_context(store=store, order=order) | {
        "reserved_until": order.reserved_until,
        "card_brand": card_brand_name(payment.card_brand),
        "card_last4": payment.card_last4,
    }
    return email_queue(kind="order_payment_failed", to=order.email, store=store, context=context)


def order_shipped_queue(
    *, store: Store, order: Order, fulfillment: Fulfillment, items: list[tuple[str, int]], complete: bool
) -> Email | None:
    """Tell the buyer "your order is on its way": carrier, tracking number and link, what is in the parcel."""
    if not buyer_reachable(order):
        return None
    context = _base_context(store=store, order=order) | {
        "carrier": fulfillment.carrier,
        "tracking_number": fulfillment.tracking_number,
        "tracking_url": fulfillment.tracking_url,
        "items": [{"title": title, "quantity": quantity} for title, quantity in items],
        "complete": complete,
    }
    return email_queue(kind="order_shipped", to=order.email, store=store, context=context)


def order_refund_queue(*, store: Store, order: Order, refund: Refund, returned_payment: bool = False) -> Email | None:
    """Tell the buyer "we refunded you": the amount of this refund, and the total refunded so far.

    `returned_payment`: the money of a payment the order could not take (it was
    cancelled, or paid already) went back; the order's own totals did not change.
    """
    if not buyer_reachable(order):
        return None
    context = _base_context(store=store, order=order) | {
        "returned_payment": returned_payment,
        "amount": display.money(refund.amount, order.currency),
        "refunded_total": display.money(order.refunded_total, order.currency),
        "full": order.refunded_total >= order.total,
    }
    return email_queue(kind="order_refund", to=order.email, store=store, context=context)
