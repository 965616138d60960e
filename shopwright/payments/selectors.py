"""Reads of payments: an order's attempts, the payment that paid it, refunds still in flight, settings.

Every read is scoped by the store passed in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet, Subquery, Sum

from shopwright.core.compiled import CompiledRead
from shopwright.core.exceptions import NotFound
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


# What the payment-return page reads of an order: its state and what finds it, no personal field
# (the page shows none, and each would be decrypted for nothing). payment_start, from its "Pay now",
# reads the order again under its lock.
RETURN_PAGE_ORDER_FIELDS = (
    "id",
    "store",
    "number",
    "token_hash",
    "customer",
    "status",
    "reserved_until",
    "paid_at",
    "total",
    "currency",
)


def _latest_attempt_read(key: str) -> CompiledRead[Payment]:
    """The latest attempt of the order that `key` ("token_hash" or "pk") names, with RETURN_PAGE_ORDER_FIELDS of it.

    Compiled once per process: the return page runs it on every load (it
    reloads itself while a payment is pending), and building it through the
    ORM cost more than running it.
    """
    payment_fields = [field.name for field in Payment._meta.concrete_fields]

    def build(store_id: int, value: int | str) -> QuerySet[Payment]:
        # The order's id as a subquery, so PostgreSQL finds the order first (by its unique link) and then
        # its attempts (by store and order).
        order_id = Order.objects.filter(store_id=store_id, **{key: value}).order_by().values("pk")[:1]
        return (
            Payment.objects.filter(store_id=store_id, order_id=Subquery(order_id))
            .select_related("order")
            .only(*payment_fields, *(f"order__{name}" for name in RETURN_PAGE_ORDER_FIELDS))
            .order_by("-created_at", "-id")[:1]
        )

    return CompiledRead(build, name=f"latest attempt of the order by {key}")


# By the key of the buyer's link (orders.selectors.order_link_lookup): the secret's digest or a signed id.
_LATEST_ATTEMPT = {key: _latest_attempt_read(key) for key in ("token_hash", "pk")}


def order_for_return_page(*, store: Store, token: str) -> tuple[Order, Payment | None]:
    """The order behind a buyer's link, as light as its payment-return page needs, and its latest attempt.

    One query when the order has an attempt (the latest attempt, its order
    joined, RETURN_PAGE_ORDER_FIELDS of it); a second, for the order alone,
    when it has none. The order's other fields are deferred: reading one
    costs a query, so pass the order on only to what reads these (or reads
    the order again, as payment_start does). NotFound as orders.selectors.order_for_token.
    """
    from shopwright.orders.selectors import NOT_FOUND, order_link_lookup, order_link_lookup_opens

    lookup = order_link_lookup(token)
    ((key, value),) = lookup.filters.items()
    latest = _LATEST_ATTEMPT[key].first(store_id=store.pk, value=value)
    if latest is not None:
        order = latest.order
    else:
        try:
            order = Order.objects.only(*RETURN_PAGE_ORDER_FIELDS).get(store=store, **lookup.filters)
        except Order.DoesNotExist:
            raise NotFound(NOT_FOUND) from None
    if not order_link_lookup_opens(lookup, order):
        raise NotFound(NOT_FOUND)
    return order, latest


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
    """The store's payment settings, if any. One row per store (a unique constraint): no ORDER BY needed."""
    rows = list(PaymentSettings.objects.filter(store=store)[:1])
    return rows[0] if rows else None
