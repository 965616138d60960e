"""Reads of payments: an order's attempts, the payment that paid it, refunds still in flight, settings.

Every read is scoped by the store passed in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from shopwright.orders.models import Order, OrderEvent, OrderEventKind
from shopwright.payments.models import Payment, PaymentSettings, PaymentStatus, Refund, RefundStatus

if TYPE_CHECKING:
    from shopwright.stores.models import Store

OPEN_STATUSES = (PaymentStatus.CREATED, PaymentStatus.ACTION_REQUIRED)


def order_for_token(*, store: Store, token: str) -> Order:
    """The order behind a buyer's link (orders.selectors owns it; re-exported for the payment pages)."""
    from shopwright.orders.selectors import order_for_token as lookup

    return lookup(store=store, token=token)


def latest_payment(*, store: Store, order: Order) -> Payment | None:
    """The order's most recent attempt (what the buyer's return page reports on)."""
    return Payment.objects.filter(store=store, order=order).order_by("-created_at", "-id").first()


def open_payment(*, store: Store, order: Order) -> Payment | None:
    """The order's newest attempt still waiting for the buyer or the provider, if any."""
    attempts = Payment.objects.filter(store=store, order=order, status__in=OPEN_STATUSES)
    return attempts.order_by("-created_at", "-id").first()


def paying_payment(*, store: Store, order: Order) -> Payment | None:
    """The succeeded payment that paid the order (named by its latest "paid" event); None before it is paid.

    An order may hold other succeeded payments (a second tab paid too):
    those are returned automatically and are not what refunds draw on.
    """
    data = (
        OrderEvent.objects.filter(store=store, order=order, kind=OrderEventKind.PAID)
        .order_by("-id")
        .values_list("data", flat=True)
        .first()
    )
    payment_id = data.get("payment_id") if isinstance(data, dict) else None
    if not isinstance(payment_id, int):
        return None
    return Payment.objects.filter(store=store, order=order, pk=payment_id, status=PaymentStatus.SUCCEEDED).first()


def pending_refund_total(*, store: Store, payment: Payment) -> Decimal:
    """What is already asked of the provider for this payment but not yet confirmed."""
    total = Refund.objects.filter(store=store, payment=payment, status=RefundStatus.PENDING).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal(0)


def payment_settings(*, store: Store) -> PaymentSettings | None:
    return PaymentSettings.objects.filter(store=store).first()
