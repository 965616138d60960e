"""Reads of payments: an order's attempts, the payment that paid it, refunds still in flight, settings.

Every read is scoped by the store passed in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, Sum

from shopwright.orders.models import Order, OrderEvent, OrderEventKind
from shopwright.payments.models import Payment, PaymentSettings, PaymentStatus, Refund, RefundStatus

if TYPE_CHECKING:
    from shopwright.stores.models import Store

# Not finished: the provider's page of such an attempt may still take money (a declined card may be
# followed by another on the same page, as on Stripe Checkout).
UNFINISHED_STATUSES = (PaymentStatus.CREATED, PaymentStatus.ACTION_REQUIRED, PaymentStatus.FAILED)
# Failures after which the provider's page takes no other card (Stripe's delayed payment methods: the
# session is complete and its payment failed).
FINAL_FAILURES = ("async_payment_failed",)


def _resumable() -> Q:
    """An attempt whose provider page the buyer can still pay on (or whose create call is still in flight)."""
    waiting = Q(status__in=(PaymentStatus.CREATED, PaymentStatus.ACTION_REQUIRED))
    declined_page_open = Q(status=PaymentStatus.FAILED) & ~Q(reference="") & ~Q(failure_code__in=FINAL_FAILURES)
    return waiting | declined_page_open


def order_for_token(*, store: Store, token: str) -> Order:
    """The order behind a buyer's link (orders.selectors owns it; re-exported for the payment pages)."""
    from shopwright.orders.selectors import order_for_token as lookup

    return lookup(store=store, token=token)


def latest_payment(*, store: Store, order: Order) -> Payment | None:
    """The order's most recent attempt (what the buyer's return page reports on)."""
    return Payment.objects.filter(store=store, order=order).order_by("-created_at", "-id").first()


def open_payment(*, store: Store, order: Order) -> Payment | None:
    """The order's payable attempt, if any: waiting for the buyer, needing authentication, or declined
    with its provider page still open for another card. payment_start resumes it rather than make another.

    A failed attempt that never reached the provider (no reference) is not
    one: nothing was ever payable through it.
    """
    attempts = Payment.objects.filter(_resumable(), store=store, order=order)
    return attempts.order_by("-created_at", "-id").first()


def attempts_to_replace(*, store: Store, order: Order, provider_name: str) -> list[int]:
    """Ids of the order's attempts that reached a provider and are unfinished, but will not be resumed:
    another provider's (the store switched), or failed for good. A new attempt closes them first."""
    unfinished = Payment.objects.filter(store=store, order=order, status__in=UNFINISHED_STATUSES).exclude(reference="")
    resumable = _resumable() & Q(provider=provider_name)
    return list(unfinished.exclude(resumable).order_by("pk").values_list("pk", flat=True))


def unfinished_attempt_ids(*, store: Store, order: Order) -> list[int]:
    """Ids of the order's attempts whose provider page may still take money (to close when the order closes)."""
    unfinished = Payment.objects.filter(store=store, order=order, status__in=UNFINISHED_STATUSES).exclude(reference="")
    return list(unfinished.order_by("pk").values_list("pk", flat=True))


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
