"""Reads of orders: one order with everything its pages show, and a customer's orders.

Every read is scoped by the store passed in; an order of another store, of
another customer or behind an unknown link answers `NotFound`, the same
as one that never existed.

`order_detail` loads an order and its lines, tax lines, events,
fulfillments (with their lines), payments and refunds in a fixed number of
queries, whatever their counts: the buyer's status page, the personal
center, the back office and the API all show it from that one read.
The related rows are prefetched with querysets that filter by store, so
the tenant guard sees every statement scoped.

Payments and refunds are rows of the payments app, which depends on
orders; they are only read here (by their reverse relations), never
written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from shopwright.catalog.selectors import PageNumbers, page_count
from shopwright.core.exceptions import NotFound
from shopwright.core.tokens import hash_secret_token
from shopwright.customers.models import Customer
from shopwright.orders import links, rules
from shopwright.orders.models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderTaxLine,
)
from shopwright.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from shopwright.stores.models import Store

# Orders per page of the personal center (and the API's list).
CUSTOMER_PAGE_SIZE = 20
# An order number is a PositiveIntegerField: larger numbers cannot exist, and PostgreSQL
# refuses them as parameters (an integer out of range), so they are a plain "not found".
MAX_ORDER_NUMBER = 2_147_483_647
NOT_FOUND = "There is no such order."


def _detail_prefetches(store: Store) -> list[Prefetch]:
    return [
        Prefetch("lines", queryset=OrderLine.objects.filter(store=store).order_by("id")),
        Prefetch("tax_lines", queryset=OrderTaxLine.objects.filter(store=store).order_by("id")),
        Prefetch("events", queryset=OrderEvent.objects.filter(store=store).order_by("created_at", "id")),
        Prefetch(
            "fulfillments",
            queryset=Fulfillment.objects.filter(store=store)
            .order_by("created_at", "id")
            .prefetch_related(Prefetch("lines", queryset=FulfillmentLine.objects.filter(store=store).order_by("id"))),
        ),
        Prefetch("payments", queryset=Payment.objects.filter(store=store).order_by("created_at", "id")),
        Prefetch("refunds", queryset=Refund.objects.filter(store=store).order_by("created_at", "id")),
    ]


def orders_with_detail(*, store: Store) -> QuerySet[Order]:
    """The store's orders with everything `order_detail` prefetches; callers narrow it to one order."""
    return (
        Order.objects.filter(store=store).select_related("shipping_method").prefetch_related(*_detail_prefetches(store))
    )


def _one(orders: QuerySet[Order]) -> Order:
    order = orders.first()
    if order is None:
        raise NotFound(NOT_FOUND)
    return order


def order_detail(*, store: Store, order_id: int) -> Order:
    """One order of the store with lines, tax lines, events, fulfillments, payments and refunds; NotFound otherwise."""
    return _one(orders_with_detail(store=store).filter(pk=order_id))


def order_for_number(*, store: Store, number: int) -> Order:
    """The store's order #`number` with its detail (the back office's order page); NotFound otherwise."""
    if not 0 < number <= MAX_ORDER_NUMBER:
        raise NotFound(NOT_FOUND)
    return _one(orders_with_detail(store=store).filter(number=number))


@dataclass(frozen=True)
class OrderLinkLookup:
    """How a buyer's order link finds its order: a filter on Order, and what the order must then match."""

    # {"token_hash": ...} for the secret given at placement, {"pk": ...} for a signed link.
    filters: dict[str, Any]
    # The signed link's digest, checked against the order found (`order_link_lookup_opens`); "" for the secret.
    digest: str


def order_link_lookup(token: str) -> OrderLinkLookup:
    """Parse a buyer's order link (either form, see `order_for_token`); NotFound for one that names no order.

    No query: the caller filters its own query (scoped by store) with `filters`,
    then checks the order found with `order_link_lookup_opens`.
    """
    if not token or len(token) > 200 or "\x00" in token:
        raise NotFound(NOT_FOUND)
    if ":" not in token:
        return OrderLinkLookup(filters={"token_hash": hash_secret_token(token)}, digest="")
    signed = links.order_link_read(token)
    if signed is None:
        raise NotFound(NOT_FOUND)
    order_id, digest = signed
    return OrderLinkLookup(filters={"pk": order_id}, digest=digest)


def order_link_lookup_opens(lookup: OrderLinkLookup, order: Order) -> bool:
    """Whether the order `lookup.filters` found is the one the link opens (a signed link matches its token_hash)."""
    return not lookup.digest or links.order_link_matches(lookup.digest, order)


def order_for_token(*, store: Store, token: str) -> Order:
    """The order behind a buyer's order link, with its detail; NotFound for an unknown or another store's link.

    Two forms of link open an order. The secret given at placement: only its
    SHA-256 is stored, so a leaked database does not hand out working links;
    the lookup is by that digest (store, token_hash is unique). The signed
    link of the emails (orders.links): looked up by the order id it names,
    within this store, and valid only while it matches the order's
    token_hash. The secret is tried first; a signed link has a ":" the
    secret never has, so it costs no query for the secret form.
    """
    lookup = order_link_lookup(token)
    order = _one(orders_with_detail(store=store).filter(**lookup.filters))
    if not order_link_lookup_opens(lookup, order):
        raise NotFound(NOT_FOUND)
    return order


def order_for_customer(*, store: Store, customer: Customer, number: int) -> Order:
    """A signed-in customer's own order #`number` with its detail; another customer's order is NotFound."""
    if not 0 < number <= MAX_ORDER_NUMBER:
        raise NotFound(NOT_FOUND)
    return _one(orders_with_detail(store=store).filter(customer=customer, number=number))


@dataclass(frozen=True)
class CustomerOrderRow:
    """One order in a customer's list: what the row shows, without the order's personal fields."""

    number: int
    created_at: datetime
    status: str
    currency: str
    total: Decimal
    item_count: int


@dataclass(frozen=True)
class CustomerOrderPage(PageNumbers):
    rows: list[CustomerOrderRow]
    total: int


def orders_for_customer(*, store: Store, customer: Customer, page: int = 1) -> CustomerOrderPage:
    """A customer's orders at the store, newest first, CUSTOMER_PAGE_SIZE a page; NotFound past the last page.

    Two queries whatever the page holds: the count, then the page's rows
    with each order's item count (from its lines, in the same statement).
    The encrypted columns are not read: the list shows none of them.
    """
    orders = Order.objects.filter(store=store, customer=customer)
    total = orders.count()
    num_pages = page_count(total, CUSTOMER_PAGE_SIZE)
    if page > num_pages:
        raise NotFound("There is no such page.")
    start = (page - 1) * CUSTOMER_PAGE_SIZE
    rows = []
    if total:
        page_rows = (
            orders.order_by("-number")
            .annotate(item_count=item_count_annotation(store))
            .values("number", "created_at", "status", "currency", "total", "item_count")[
                start : start + CUSTOMER_PAGE_SIZE
            ]
        )
        rows = [CustomerOrderRow(**row) for row in page_rows]
    return CustomerOrderPage(number=page, num_pages=num_pages, rows=rows, total=total)


def item_count_annotation(store: Store) -> Coalesce:
    """Units in an order (the sum of its lines' quantities), as a subquery of the order row: lists of orders use it."""
    units = (
        OrderLine.objects.filter(store=store, order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(units=Sum("quantity"))
        .values("units")[:1]
    )
    return Coalesce(Subquery(units, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class OrderActions:
    """What may be done to an order now, by the rules its services check (orders.rules); roles are the caller's."""

    can_fulfil: bool
    can_refund: bool
    # What a refund may still take: what the order has left to refund, at most what is left of the payment
    # that paid it, less refunds the provider has not confirmed yet (as payments.services.refund_create counts).
    refundable: Decimal
    can_cancel: bool


def order_actions(order: Order) -> OrderActions:
    """The actions a page may offer for an order loaded by `order_detail` (reads its prefetched rows, no query).

    A refund needs the payment that paid the order (its "paid" event): money
    that arrived for an order that could not take it was returned on its
    own, and leaves nothing to refund even though a payment succeeded.
    """
    lines = list(order.lines.all())
    paid_events = sorted((e for e in order.events.all() if e.kind == OrderEventKind.PAID), key=lambda e: -e.pk)
    payment_id = rules.paid_by(e.data for e in paid_events)
    paying = next(
        (p for p in order.payments.all() if p.pk == payment_id and p.status == PaymentStatus.SUCCEEDED),
        None,
    )
    refundable = Decimal(0)
    if paying is not None and order.status in rules.REFUNDABLE_STATUSES:
        pending = sum(
            (r.amount for r in order.refunds.all() if r.payment_id == paying.pk and r.status == RefundStatus.PENDING),
            Decimal(0),
        )
        left = min(order.total - order.refunded_total, paying.amount - paying.refunded_amount) - pending
        refundable = max(left, Decimal(0))
    shipped = rules.has_shipped(
        status=order.status,
        fulfilled_at=order.fulfilled_at,
        any_line_shipped=any(line.quantity_fulfilled for line in lines),
    )
    return OrderActions(
        can_fulfil=order.status in rules.SHIPPABLE_STATUSES
        and any(line.quantity > line.quantity_fulfilled for line in lines),
        can_refund=refundable > 0,
        refundable=refundable,
        can_cancel=order.status in rules.CANCELLABLE_STATUSES and not shipped,
    )
