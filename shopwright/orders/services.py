"""Writes on orders: placing, payment outcomes, cancelling, fulfilling, refunds applied, reservations expiring.

OWNER: helper "orders". Signatures are the contract payments, checkout
pages and the back office use.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from shopwright.cart.counts import count_changed
from shopwright.cart.models import Cart, CartLine
from shopwright.catalog.models import Product
from shopwright.catalog.stock import InsufficientStock, stock_release, stock_reserve
from shopwright.checkout.models import Checkout
from shopwright.checkout.selectors import CheckoutPriced, checkout_priced, line_name
from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.compiled import CompiledRead, RawRead
from shopwright.core.compiled_saves import bulk_insert
from shopwright.core.compiled_writes import CompiledDelete, CompiledUpdate
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.row_amounts import row_amounts_add
from shopwright.core.tenancy import cross_store_access
from shopwright.core.tokens import hash_secret_token
from shopwright.orders import emails, rules
from shopwright.orders.events import order_event, order_events
from shopwright.orders.models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    OrderTaxLine,
)
from shopwright.orders.numbers import order_number_assign
from shopwright.stores.models import Store

if TYPE_CHECKING:
    from shopwright.payments.models import Payment, Refund

# How long a placed order holds its stock while the buyer pays.
RESERVATION_MINUTES = 15


class CheckoutChanged(ApplicationError):
    """Prices, stock or shipping changed since the buyer reviewed the checkout; nothing was placed.

    `priced` is the fresh pricing, for the caller to show before the buyer confirms again.
    """

    status_code = 409
    code = "checkout_changed"

    def __init__(self, message: str, *, priced: CheckoutPriced | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.priced = priced


class CheckoutIncomplete(ApplicationError):
    """The checkout lacks what an order needs (address, method, lines), or has problems; `fields` says what."""

    code = "checkout_incomplete"

    def __init__(self, message: str, *, priced: CheckoutPriced | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.priced = priced


_MISSING_MESSAGES = {
    "email": "Enter your email address.",
    "phone": "Enter a phone number.",
    "shipping_address": "Enter a delivery address.",
    "shipping_method": "Choose a shipping method.",
}


def _stock_shortfalls(priced: CheckoutPriced) -> dict[int, int]:
    """Variant id -> units left, for the lines the pricing found short of stock (each is one of its problems)."""
    return {
        item.line.variant_id: item.line.max_quantity
        for item in priced.lines
        if item.line.max_quantity == 0 or item.line.over_stock
    }


def _placed_order(
    *, store: Store, priced: CheckoutPriced, checkout: Checkout, actor: Actor, taken: dict[int, int]
) -> tuple[Order, list[OrderLine], str]:
    """Write the order, its lines, tax lines and first event from the one pricing (no further reads).

    `taken` is what the reservation takes per variant as priced (catalog.stock): each line keeps its share.
    """
    now = timezone.now()
    token = secrets.token_urlsafe(24)
    address = checkout.shipping_address or {}
    method = priced.shipping_method
    assert method is not None  # checked by the caller: "shipping_method" is not missing
    order = Order(
        store=store,
        # The lookups (orders.selectors.order_for_token) hash the link's secret the same way.
        token_hash=hash_secret_token(token),
        customer_id=checkout.customer_id,
        status=OrderStatus.PENDING_PAYMENT,
        email=checkout.email,
        email_index=crypto.blind_index(checkout.email),
        phone=checkout.phone,
        extra_phone=checkout.extra_phone,
        delivery_time=checkout.delivery_time,
        shipping_address=address,
        billing_address=checkout.billing_address,
        shipping_country=str(address.get("country", "")),
        shipping_area=str(address.get("country_area", "")),
        currency=priced.currency,
        prices_include_tax=priced.prices_include_tax,
        subtotal=priced.subtotal,
        shipping_total=priced.shipping_total,
        tax_total=priced.tax_total,
        total=priced.total,
        shipping_method_id=method.method_id,
        shipping_method_name=method.name[:100],
        weight_grams=priced.weight_grams,
        reserved_until=now + timedelta(minutes=RESERVATION_MINUTES),
    )
    lines = [
        OrderLine(
            store=store,
            variant_id=item.line.variant_id,
            product_title=item.line.product_title[:255],
            variant_title=item.line.variant_title[:255],
            sku=item.line.sku,
            unit_price=item.line.unit_price,
            quantity=item.line.quantity,
            line_total=item.line.total,
            tax_rate=item.tax_rate,
            tax_amount=item.tax_amount,
            weight_grams=item.weight_grams,
            stock_taken=units,
        )
        for item, units in zip(
            priced.lines,
            _shares(taken, [(item.line.variant_id, item.line.quantity) for item in priced.lines]),
            strict=True,
        )
    ]
    tax_lines = [
        OrderTaxLine(
            store=store,
            name=tax.name,
            area=tax.area,
            rate=tax.rate,
            taxable_amount=tax.taxable_amount,
            amount=tax.amount,
        )
        for tax in priced.tax_lines
    ]
    # No number yet: order_place gives it last (orders.numbers), so the store's counter lock is held briefly.
    order.save(force_insert=True)
    for line in lines:
        line.order = order
    for tax_line in tax_lines:
        tax_line.order = order
    bulk_insert(lines)  # each INSERT built once per number of rows (core.compiled_saves)
    bulk_insert(tax_lines)
    order_event(
        order=order,
        kind=OrderEventKind.PLACED,
        actor=actor,
        data={"total": str(order.total), "currency": order.currency, "lines": len(lines)},
    )
    return order, lines, token


@dataclass(frozen=True)
class OrderPlaced:
    order: Order
    # The secret of the buyer's order link; None when the checkout had already placed this order.
    token: str | None
    created: bool


def order_place(
    *,
    store: Store,
    checkout: Checkout,
    reviewed_signature: str,
    actor: Actor,
    on_placed: Callable[[Order], None] | None = None,
) -> OrderPlaced:
    """Turn a checkout into an order pending payment, holding its stock for RESERVATION_MINUTES.

    One transaction: the checkout row is locked first, so a second click
    finds the order the first one placed (created=False) instead of placing
    another. Totals are priced again here (checkout_priced); when the
    signature differs from `reviewed_signature` nothing is placed and
    CheckoutChanged is raised. Raises CheckoutIncomplete, InsufficientStock.
    The cart is emptied in the same transaction. At most 30 queries,
    whatever the number of lines (17: see tests/orders/test_query_budget.py).

    `on_placed(order)` runs last inside the transaction, only for an order
    placed now (not for a second click): payments opens the order's first
    payment attempt there (payments.services.order_place_for_payment), so
    the order and its attempt commit together, and whatever it raises rolls
    the placement back. It must not call a provider (no network call
    inside a transaction): that comes after the commit.

    Lock order, the same for every writer: checkout, cart, variants (id
    order, catalog.stock), the cart's lines (emptied), the store's number
    counter. The variants and the counter are the rows other buyers queue
    for, so they are locked after the order is written and held only to
    the commit; a shortfall found then rolls the order back. The lines come
    after the variants because a merchant's edit that removes a variant
    locks it before deleting its cart lines. An add to cart takes the cart
    lock too, so no line can slip in between pricing and emptying. Row
    locks are FOR NO KEY UPDATE (the cart's and the counter's come with
    their UPDATE, which takes the same): they keep out other writers of the
    row without blocking inserts of rows that reference it. No network call
    happens here: payment starts after this commits.
    """
    with transaction.atomic():
        locked = _LOCKED_CHECKOUT.first(store_id=store.pk, pk=checkout.pk)
        if locked is None:
            raise NotFound("This checkout no longer exists. Start again from your cart.")
        if locked.order_id is not None:
            # A second click (or a retried request): the order the first one placed.
            return OrderPlaced(order=Order.objects.get(store=store, pk=locked.order_id), token=None, created=False)
        _CART_TOUCH.run({"updated_at": timezone.now()}, store_id=store.pk, pk=locked.cart_id)
        priced = checkout_priced(store=store, checkout=locked)
        if priced.missing:
            messages = {name: _MISSING_MESSAGES.get(name, "Required.") for name in priced.missing}
            if priced.shipping_message and "shipping_method" in messages:
                # No method to choose: "choose a shipping method" would send the buyer to an empty choice.
                messages["shipping_method"] = priced.shipping_message
            raise CheckoutIncomplete(
                "Some details are missing.",
                priced=priced,
                fields={name: [message] for name, message in messages.items()},
            )
        if priced.signature != reviewed_signature:
            raise CheckoutChanged(
                "Prices, stock or shipping changed since you reviewed your order. "
                "Check the new totals and confirm again.",
                priced=priced,
            )
        shortfalls = _stock_shortfalls(priced)
        if shortfalls and len(shortfalls) == len(priced.problems):
            # Only stock ran short (another buyer got there first): the same answer the reservation gives.
            raise InsufficientStock(shortfalls)
        if priced.problems:
            raise CheckoutIncomplete(priced.problems[0], priced=priced, fields={"__all__": list(priced.problems)})
        quantities: dict[int, int] = {}
        for item in priced.lines:
            quantities[item.line.variant_id] = quantities.get(item.line.variant_id, 0) + item.line.quantity
        # What the reservation will take as priced: all units of a variant that tracks stock, none otherwise.
        tracking = {item.line.variant_id: item.line.tracks_stock for item in priced.lines}
        expected = {pk: units if tracking[pk] else 0 for pk, units in quantities.items()}
        order, lines, token = _placed_order(store=store, priced=priced, checkout=locked, actor=actor, taken=expected)
        _CHECKOUT_PLACED.run({"order": order, "updated_at": timezone.now()}, store_id=store.pk, pk=locked.pk)
        # Last, the rows other buyers queue for, each locked only until the commit: the variants (every
        # buyer of a hot item waits for them; a shortfall here rolls the order back) and the store's number.
        taken = stock_reserve(store=store, quantities=quantities)
        if taken != expected:
            # Tracking was switched since the pricing read the variants: the lines hold what was taken.
            _hold_in_lines(
                store=store,
                order=order,
                lines=[(line.pk, line.variant_id, line.quantity) for line in lines],
                taken=taken,
            )
        # The cart lines after the variants: a merchant removing a variant locks it and then deletes its cart
        # lines, so a buyer holding their deleted lines while waiting for the variant would deadlock with them.
        _CART_EMPTY.run(store_id=store.pk, cart_id=locked.cart_id)
        if locked.customer_id is not None:
            count_changed(store_id=store.pk, customer_id=locked.customer_id, count=0)
        order_number_assign(order=order)
        if on_placed is not None:
            on_placed(order)
    checkout.order = order
    return OrderPlaced(order=order, token=token, created=True)


# --- the status machine ---------------------------------------------------------------------------

# Every move an order may make; anything else is refused (`invalid_transition`).
# A refund keeps what was shipped in the lines, so fulfilled orders may be refunded.
TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset(
        {
            OrderStatus.PARTIALLY_FULFILLED,
            OrderStatus.FULFILLED,
            OrderStatus.PARTIALLY_REFUNDED,
            OrderStatus.REFUNDED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.PARTIALLY_FULFILLED: frozenset(
        {OrderStatus.PARTIALLY_FULFILLED, OrderStatus.FULFILLED, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED}
    ),
    OrderStatus.FULFILLED: frozenset({OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED}),
    OrderStatus.PARTIALLY_REFUNDED: frozenset({OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED}),
    # A fully refunded order that was never shipped may still be cancelled (its units go back to stock).
    OrderStatus.REFUNDED: frozenset({OrderStatus.CANCELLED}),
    # An order cancelled because its hold ran out comes back when a late payment finds the stock.
    OrderStatus.CANCELLED: frozenset({OrderStatus.PAID}),
}


def transition_allowed(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def _move(order: Order, new: str) -> None:
    if not transition_allowed(order.status, new):
        raise ApplicationError(
            f"An order that is {OrderStatus(order.status).label.lower()} "
            f"cannot become {OrderStatus(new).label.lower()}.",
            code="invalid_transition",
        )
    order.status = new


def _locked_order(*, store: Store, order: Order) -> Order:
    """The order re-read under its row lock (must run inside a transaction); NotFound for another store's."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order writes lock the order inside the caller's transaction")
    locked = _LOCKED_ORDER.first(store_id=store.pk, pk=order.pk)
    if locked is None:
        raise NotFound("There is no such order.")
    return locked


# Row locks every placement and payment takes, compiled once (core.compiled); no ORDER BY (Meta.ordering's
# "-number" is no use for one row by primary key).
_LOCKED_ORDER = CompiledRead(
    lambda store_id, pk: Order.objects.select_for_update(no_key=True).filter(store_id=store_id, pk=pk).order_by()[:1],
    name="order locked",
)
_LOCKED_CHECKOUT = CompiledRead(
    lambda store_id, pk: (
        Checkout.objects.select_for_update(no_key=True).filter(store_id=store_id, pk=pk).order_by()[:1]
    ),
    name="checkout locked",
)
# The placement's other writes of the checkout and the cart, each built once (core.compiled_writes).
_CART_TOUCH = CompiledUpdate(lambda store_id, pk: Cart.objects.filter(store_id=store_id, pk=pk), name="cart touched")
_CHECKOUT_PLACED = CompiledUpdate(
    lambda store_id, pk: Checkout.objects.filter(store_id=store_id, pk=pk), name="checkout placed"
)
_CART_EMPTY = CompiledDelete(
    lambda store_id, cart_id: CartLine.objects.filter(store_id=store_id, cart_id=cart_id), name="cart emptied"
)


def _sync(target: Order, source: Order) -> None:
    """Let the caller's instance see what was written (callers keep using the object they passed)."""
    if target is not source:
        for name in ("status", "paid_at", "reserved_until", "cancelled_at", "fulfilled_at", "refunded_total"):
            setattr(target, name, getattr(source, name))


def _paid_by(*, store: Store, order: Order) -> int | None:
    """The payment that paid the order, from its timeline; None when no payment was applied."""
    if order.status == OrderStatus.PENDING_PAYMENT:
        return None
    paid = OrderEvent.objects.filter(store=store, order=order, kind=OrderEventKind.PAID).order_by("-id")
    return rules.paid_by(paid.values_list("data", flat=True)[:1])


def _note(order: Order, actor: Actor, code: str, payment: Payment) -> None:
    order_event(
        order=order,
        kind=OrderEventKind.NOTE,
        actor=actor,
        data={"code": code, "payment_id": payment.pk, "amount": str(payment.amount), "currency": payment.currency},
    )


def _shares(taken: dict[int, int], lines: list[tuple[int, int]]) -> list[int]:
    """What each line (variant id, quantity) holds of `taken` (variant id -> units the reservation took).

    A variant's units go to its lines in order, each up to its quantity: a
    variant that tracks no stock gave none, so its lines hold none.
    """
    left = dict(taken)
    shares = []
    for variant_id, quantity in lines:
        share = min(quantity, max(left.get(variant_id, 0), 0))
        left[variant_id] = left.get(variant_id, 0) - share
        shares.append(share)
    return shares


def _stock_held(*, store: Store, order: Order) -> dict[int, int]:
    """Units per variant that the order's lines took off stock and still hold (what releasing gives back)."""
    held: dict[int, int] = {}
    rows = OrderLine.objects.filter(store=store, order=order, restocked=False, variant__isnull=False, stock_taken__gt=0)
    for variant_id, units in rows.values_list("variant_id", "stock_taken"):
        held[variant_id] = held.get(variant_id, 0) + units
    return held


def _reinstate(*, store: Store, order: Order) -> bool:
    """Hold the stock again for an order whose reservation expired (a late payment); False if it is gone.

    Only an order the sweep cancelled comes back; one a merchant cancelled stays cancelled.
    """
    expired = OrderEvent.objects.filter(store=store, order=order, kind=OrderEventKind.RESERVATION_EXPIRED).exists()
    if not expired or order.fulfilled_at is not None:
        return False
    if OrderLine.objects.filter(store=store, order=order, variant__isnull=True).exists():
        return False  # a variant was deleted since: it cannot be sold again
    rows = list(
        OrderLine.objects.filter(store=store, order=order)
        .order_by("id")
        .values_list("pk", "variant_id", "quantity", "variant__product_id")
    )
    lines = [(pk, variant_id, quantity) for pk, variant_id, quantity, _ in rows]
    quantities: dict[int, int] = {}
    for _, variant_id, quantity in lines:
        quantities[variant_id] = quantities.get(variant_id, 0) + quantity
    # The products before their variants, the order a merchant's edit takes them (catalog.services.
    # product_update): this payment grows their sales counts after reserving, and taking the variants
    # first would deadlock with an edit of the same product.
    products = Product.objects.select_for_update(no_key=True).filter(store=store, pk__in={row[3] for row in rows})
    list(products.order_by("pk").values_list("pk", flat=True))
    try:
        # A savepoint: a refusal leaves the caller's transaction usable for the note it then writes.
        with transaction.atomic():
            taken = stock_reserve(store=store, quantities=quantities)
    except InsufficientStock:
        return False
    _hold_in_lines(store=store, order=order, lines=lines, taken=taken)
    return True


def _hold_in_lines(
    *, store: Store, order: Order, lines: Sequence[tuple[int, int | None, int]], taken: dict[int, int]
) -> None:
    """Record in the order's lines (pk, variant id, quantity) their shares of what a reservation took (one UPDATE)."""
    shares = _shares(taken, [(variant_id or 0, quantity) for _, variant_id, quantity in lines])
    held = Case(
        *(When(pk=pk, then=Value(units)) for (pk, _, _), units in zip(lines, shares, strict=True)),
        default=Value(0),
        output_field=IntegerField(),
    )
    OrderLine.objects.filter(store=store, order=order).update(restocked=False, stock_taken=held)


def _paid_lines(*, store: Store, order: Order) -> list[OrderLine]:
    """The order's lines in order, each with `sold_product_id` (None when its variant was deleted since).

    One read for both things a payment needs of the lines: the sales counts
    and the confirmation email.
    """
    return _PAID_LINES.all([store.pk, order.pk])


# Every column of the line (l.*), and its variant's product where the variant still exists.
_PAID_LINES = RawRead(
    OrderLine,
    """
    SELECT l.*, v.product_id AS sold_product_id
    FROM orders_orderline AS l
    LEFT JOIN catalog_variant AS v ON v.store_id = l.store_id AND v.id = l.variant_id
    WHERE l.store_id = %s AND l.order_id = %s
    ORDER BY l.id
    """,
    name="a paid order's lines",
)


def _count_sales(*, store: Store, lines: Iterable[OrderLine]) -> None:
    """Grow the sold products' sales counts by the units sold (one statement, whatever the number of lines).

    `lines` come from `_paid_lines`; a line whose variant was deleted sold no product that still exists.
    """
    units: dict[int, int] = {}
    for line in lines:
        product_id = getattr(line, "sold_product_id", None)
        if product_id is not None:
            units[product_id] = units.get(product_id, 0) + line.quantity
    if not units:
        return
    row_amounts_add(Product, "sales_count", store_id=store.pk, amounts=units)
    # No catalog_changed here: a busy store would lose its whole page cache on every sale. Cached
    # "best selling" listings catch up when their entry times out (storefront.catalog_pages.CACHE_TIMEOUT,
    # which exists for that lag); what a sale changes on the pages, the stock badges, was refreshed
    # when the units were reserved (catalog.stock).


class PaymentOutcome(enum.Enum):
    APPLIED = "applied"  # the order is now paid
    ALREADY_PAID = "already_paid"  # this payment was applied before (duplicate event): nothing changed
    REFUND_NEEDED = "refund_needed"  # money arrived for an order that cannot take it (cancelled and stock gone,
    # or already paid by another payment): the caller refunds it


def order_payment_succeeded(
    *, store: Store, order: Order, payment: Payment, order_locked: bool = False
) -> PaymentOutcome:
    """Apply a successful payment: the reservation becomes a sale, sales counts grow, confirmation email.

    Must run inside the caller's transaction (payments locks the payment row
    first, then this locks the order). An order whose reservation expired is
    re-reserved if the stock is still there, else REFUND_NEEDED. Which
    payment paid an order is read from its "paid" event (data.payment_id).

    `order_locked=True`: the caller read `order` under its row lock in this
    transaction (payments locks a payment and its order in one statement,
    payment first), so it is used as it is instead of being read again.
    The confirmation email is rendered and queued here, in this
    transaction: the outbox row commits with the order being paid, or not at all.
    """
    if order_locked:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("order writes lock the order inside the caller's transaction")
        locked = order
    else:
        locked = _locked_order(store=store, order=order)
    actor = Actor("provider")
    paid_by = _paid_by(store=store, order=locked)
    if paid_by is not None:
        if paid_by == payment.pk:
            return PaymentOutcome.ALREADY_PAID
        _note(locked, actor, "paid_twice", payment)
        return PaymentOutcome.REFUND_NEEDED
    if payment.amount != locked.total or payment.currency != locked.currency:
        _note(locked, actor, "amount_mismatch", payment)
        return PaymentOutcome.REFUND_NEEDED
    reinstated = False
    if locked.status == OrderStatus.CANCELLED:
        if not _reinstate(store=store, order=locked):
            _note(locked, actor, "reinstate_failed", payment)
            return PaymentOutcome.REFUND_NEEDED
        reinstated = True
    elif locked.status != OrderStatus.PENDING_PAYMENT:
        _note(locked, actor, "unexpected_payment", payment)
        return PaymentOutcome.REFUND_NEEDED
    now = timezone.now()
    _move(locked, OrderStatus.PAID)
    locked.paid_at = now
    locked.reserved_until = None
    locked.cancelled_at = None
    locked.save(update_fields=["status", "paid_at", "reserved_until", "cancelled_at", "updated_at"])
    lines = _paid_lines(store=store, order=locked)
    email = emails.order_confirmation_queue(store=store, order=locked, payment=payment, lines=lines)
    data: dict[str, Any] = {
        "payment_id": payment.pk,
        "provider": payment.provider,
        "amount": str(payment.amount),
        "currency": payment.currency,
    }
    if reinstated:
        data["reinstated"] = True
    order_events(
        order=locked,
        actor=actor,
        entries=[
            (OrderEventKind.PAID, data),
            *emails.sent_entries("order_confirmation", email),
        ],
    )
    # Last: the products' rows are shared by every buyer of them, so their locks are held only to the commit
    # (not through the email's rendering, as when this came first).
    _count_sales(store=store, lines=lines)
    _sync(order, locked)
    return PaymentOutcome.APPLIED


def order_payment_failed(*, store: Store, order: Order, payment: Payment) -> None:
    """Record a declined or failed attempt (timeline, "payment failed" email); the order stays payable.

    The email goes only while the order still waits for payment: a failed
    second attempt on a paid order (another tab) is bookkeeping, not news.
    """
    with transaction.atomic():
        locked = _locked_order(store=store, order=order)
        entries: list[tuple[str, dict[str, Any]]] = [
            (
                OrderEventKind.PAYMENT_FAILED,
                {
                    "payment_id": payment.pk,
                    "provider": payment.provider,
                    "amount": str(payment.amount),
                    "failure_code": payment.failure_code,
                },
            )
        ]
        if locked.status == OrderStatus.PENDING_PAYMENT:
            email = emails.order_payment_failed_queue(store=store, order=locked, payment=payment)
            entries.extend(emails.sent_entries("order_payment_failed", email))
        order_events(order=locked, actor=Actor("provider"), entries=entries)


def order_payment_action_required(*, store: Store, order: Order, payment: Payment) -> None:
    """Record that the provider asks the buyer for extra authentication (timeline only)."""
    with transaction.atomic():
        locked = _locked_order(store=store, order=order)
        order_event(
            order=locked,
            kind=OrderEventKind.PAYMENT_ACTION_REQUIRED,
            actor=Actor("provider"),
            data={"payment_id": payment.pk, "provider": payment.provider, "amount": str(payment.amount)},
        )


def order_refund_applied(*, store: Store, order: Order, refund: Refund) -> Order:
    """Add a succeeded refund to the order: refunded total, status (partially) refunded, timeline, email.

    Applying the same refund twice changes nothing (its "refunded" event is
    looked for first). A refund of a payment that never paid the order (money
    that arrived for an order that could not take it, see REFUND_NEEDED) is
    recorded and mailed, but leaves the order's totals and status alone.
    Raises ApplicationError (`refund_not_succeeded`, `refund_exceeds_total`,
    `invalid_transition`).
    """
    from shopwright.payments.models import RefundStatus

    if refund.status != RefundStatus.SUCCEEDED:
        raise ApplicationError("Only a refund the provider confirmed is applied.", code="refund_not_succeeded")
    with transaction.atomic():
        locked = _locked_order(store=store, order=order)
        applied = OrderEvent.objects.filter(
            store=store, order=locked, kind=OrderEventKind.REFUNDED, data__refund_id=refund.pk
        ).exists()
        if applied:
            _sync(order, locked)
            return locked
        data: dict[str, Any] = {"refund_id": refund.pk, "payment_id": refund.payment_id, "amount": str(refund.amount)}
        # Money of a payment the order could not take (REFUND_NEEDED) goes back without touching the order's totals.
        returned = _paid_by(store=store, order=locked) != refund.payment_id
        if not returned:
            refunded = locked.refunded_total + refund.amount
            if refunded > locked.total:
                raise ApplicationError(
                    "This refund is more than what is left to refund on the order.", code="refund_exceeds_total"
                )
            _move(locked, OrderStatus.REFUNDED if refunded == locked.total else OrderStatus.PARTIALLY_REFUNDED)
            locked.refunded_total = refunded
            locked.save(update_fields=["status", "refunded_total", "updated_at"])
            data["refunded_total"] = str(refunded)
        else:
            data["returned_payment"] = True
        email = emails.order_refund_queue(store=store, order=locked, refund=refund, returned_payment=returned)
        actor = Actor(refund.actor_type, refund.actor_id) if refund.actor_type else Actor.system()
        order_events(
            order=locked,
            actor=actor,
            entries=[
                (OrderEventKind.REFUNDED, data),
                *emails.sent_entries("order_refund", email),
            ],
        )
    _sync(order, locked)
    return locked


def order_cancel(*, store: Store, order: Order, actor: Actor, reason: str = "") -> Order:
    """Cancel an unfulfilled order and put its units back in stock (once, even if retried).

    A paid order must have been refunded in full first
    (payments.services.order_cancel_with_refund refunds, then cancels);
    raises ApplicationError otherwise: `invalid_transition` for a shipped
    (or partly shipped) order, `refund_first` for a paid one.
    Writes the timeline and the audit log with the actor.
    """
    reason = " ".join(reason.split())[:200]
    with transaction.atomic():
        locked = _locked_order(store=store, order=order)
        if locked.status == OrderStatus.CANCELLED:
            _sync(order, locked)
            return locked  # a retried click: cancelled once, restocked once
        order_cancel_check(store=store, order=locked)
        if locked.status != OrderStatus.PENDING_PAYMENT and locked.refunded_total < locked.total:
            raise ApplicationError("A paid order is refunded in full before it is cancelled.", code="refund_first")
        units = _cancel(
            store=store,
            order=locked,
            actor=actor,
            code="merchant" if actor.type == "user" else actor.type,
            reason=reason,
        )
        audit_record(
            action="orders.order_cancel",
            actor=actor,
            store=store,
            obj=locked,
            details={"number": locked.number, "restocked_units": units, "reason": reason},
        )
    _sync(order, locked)
    return locked


def order_cancel_check(*, store: Store, order: Order) -> None:
    """Raise ApplicationError `invalid_transition` when the order has shipped, whole or in part.

    A shipped order is never cancelled (it is refunded instead). order_cancel
    checks it under the order's lock; a caller that must do something before
    cancelling (payments refunds a paid order first) checks it beforehand too,
    so no money goes back for an order that then cannot be cancelled.
    """
    if rules.has_shipped(status=order.status, fulfilled_at=order.fulfilled_at, any_line_shipped=False):
        raise ApplicationError(rules.SHIPPED_MESSAGE, code="invalid_transition")
    shipped = OrderLine.objects.filter(store=store, order=order, quantity_fulfilled__gt=0).exists()
    if rules.has_shipped(status=order.status, fulfilled_at=order.fulfilled_at, any_line_shipped=shipped):
        raise ApplicationError(rules.PARTLY_SHIPPED_MESSAGE, code="invalid_transition")


def _cancel(*, store: Store, order: Order, actor: Actor, code: str, reason: str = "") -> int:
    """Cancel the locked order and give back exactly the units its lines took off stock; returns how many.

    What a line took (`stock_taken`) goes back, not what it ordered: a variant
    that tracked no stock when the order was placed gave none, and gets none
    back even if tracking was turned on since (and the other way round).
    """
    quantities = _stock_held(store=store, order=order)
    if quantities:
        stock_release(store=store, quantities=quantities)
    OrderLine.objects.filter(store=store, order=order, restocked=False).update(restocked=True, stock_taken=0)
    _move(order, OrderStatus.CANCELLED)
    order.cancelled_at = timezone.now()
    order.reserved_until = None
    order.save(update_fields=["status", "cancelled_at", "reserved_until", "updated_at"])
    units = sum(quantities.values())
    cancelled: dict[str, Any] = {"code": code}
    if reason:
        cancelled["reason"] = reason
    entries: list[tuple[str, dict[str, Any]]] = [(OrderEventKind.CANCELLED, cancelled)]
    if units:
        entries.append((OrderEventKind.RESTOCKED, {"units": units}))
    order_events(order=order, actor=actor, entries=entries)
    return units


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

    `quantities` maps order line id -> units; None ships everything not yet
    shipped; a line given 0 units is left out. Raises ApplicationError with
    `fields` ("carrier", "tracking_number", "tracking_url", "line_<id>",
    "__all__") for bad input and nothing is written; `invalid_transition`
    for an order that is not paid (or already shipped, or refunded in full).
    A partly refunded order may still ship: its status keeps saying
    "partially refunded", and its lines keep what shipped.
    """
    carrier, tracking_number, tracking_url = _clean_parcel(carrier, tracking_number, tracking_url)
    wanted = _clean_quantities(quantities)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_order(store=store, order=order)
        if locked.status not in rules.SHIPPABLE_STATUSES:
            raise ApplicationError(
                f"An order that is {OrderStatus(locked.status).label.lower()} cannot be shipped.",
                code="invalid_transition",
            )
        lines = list(OrderLine.objects.filter(store=store, order=locked).order_by("id"))
        ship = _units_to_ship(lines, wanted)
        fulfillment = Fulfillment.objects.create(
            store=store, order=locked, carrier=carrier, tracking_number=tracking_number, tracking_url=tracking_url
        )
        FulfillmentLine.objects.bulk_create(
            FulfillmentLine(store=store, fulfillment=fulfillment, order_line_id=line_id, quantity=units)
            for line_id, units in ship.items()
        )
        # The lines are the locked order's own (_units_to_ship picked them from its lines).
        row_amounts_add(OrderLine, "quantity_fulfilled", store_id=store.pk, amounts=ship)
        complete = all(line.quantity_fulfilled + ship.get(line.pk, 0) >= line.quantity for line in lines)
        if locked.status != OrderStatus.PARTIALLY_REFUNDED:
            _move(locked, OrderStatus.FULFILLED if complete else OrderStatus.PARTIALLY_FULFILLED)
        if complete:
            locked.fulfilled_at = now
        locked.save(update_fields=["status", "fulfilled_at", "updated_at"])
        units = sum(ship.values())
        by_id = {line.pk: line for line in lines}
        items = [(line_name(by_id[pk]), n) for pk, n in ship.items()]
        email = emails.order_shipped_queue(
            store=store, order=locked, fulfillment=fulfillment, items=items, complete=complete
        )
        # The tracking number finds the recipient at the carrier (personal, see orders/privacy.py):
        # the timeline names the parcel by id; the Fulfillment row holds the number.
        order_events(
            order=locked,
            actor=actor,
            entries=[
                (
                    OrderEventKind.FULFILLED,
                    {"fulfillment_id": fulfillment.pk, "carrier": carrier, "units": units, "complete": complete},
                ),
                *emails.sent_entries("order_shipped", email),
            ],
        )
        audit_record(
            action="orders.order_fulfil",
            actor=actor,
            store=store,
            obj=locked,
            details={"number": locked.number, "fulfillment_id": fulfillment.pk, "units": units},
        )
    _sync(order, locked)
    return locked


MAX_CARRIER = 60
MAX_TRACKING_NUMBER = 100
MAX_TRACKING_URL = 500


def _clean_parcel(carrier: str, tracking_number: str, tracking_url: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    carrier = " ".join(str(carrier or "").split())
    tracking_number = str(tracking_number or "").strip()
    tracking_url = str(tracking_url or "").strip()
    if not carrier:
        errors["carrier"] = ["Enter the carrier."]
    elif len(carrier) > MAX_CARRIER:
        errors["carrier"] = [f"At most {MAX_CARRIER} characters."]
    if len(tracking_number) > MAX_TRACKING_NUMBER:
        errors["tracking_number"] = [f"At most {MAX_TRACKING_NUMBER} characters."]
    if tracking_url:
        try:
            # Only web links: the buyer's page and email link to it (javascript: would run there).
            URLValidator(schemes=["http", "https"])(tracking_url)
            if len(tracking_url) > MAX_TRACKING_URL:
                raise ValidationError("too long")
        except ValidationError:
            errors["tracking_url"] = [f"Enter a web address (http or https), at most {MAX_TRACKING_URL} characters."]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], code="invalid", fields=errors)
    return carrier, tracking_number, tracking_url


def _clean_quantities(quantities: dict[int, int] | None) -> dict[int, int] | None:
    if quantities is None:
        return None
    cleaned: dict[int, int] = {}
    for line_id, units in quantities.items():
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            field = f"line_{line_id}"
            raise ApplicationError(
                "Enter a whole number of units.", code="invalid", fields={field: ["Enter a whole number of units."]}
            )
        if units:
            cleaned[int(line_id)] = units
    return cleaned


def _units_to_ship(lines: list[OrderLine], wanted: dict[int, int] | None) -> dict[int, int]:
    """Line id -> units for this parcel, checked against what each line has left."""
    left = {line.pk: line.quantity - line.quantity_fulfilled for line in lines}
    if wanted is None:
        ship = {pk: n for pk, n in left.items() if n > 0}
    else:
        errors: dict[str, list[str]] = {}
        for pk, units in wanted.items():
            if pk not in left:
                errors[f"line_{pk}"] = ["This line is not part of the order."]
            elif units > left[pk]:
                errors[f"line_{pk}"] = [f"Only {left[pk]} left to ship."]
        if errors:
            raise ApplicationError(next(iter(errors.values()))[0], code="invalid", fields=errors)
        ship = dict(wanted)
    if not ship:
        message = "Ship at least one unit." if any(left.values()) else "Everything in this order has shipped."
        raise ApplicationError(message, code="nothing_to_ship", fields={"__all__": [message]})
    return ship


def order_reservations_expire(*, now: datetime | None = None, batch: int = 200) -> int:
    """Cancel orders still pending payment whose hold ran out, releasing their stock; returns how many.

    The periodic job calls it every minute; idempotent, each order in its own transaction.
    An order is locked and its status and hold read again before it is
    cancelled, so a payment applied meanwhile wins. A payment arriving after
    the sweep re-reserves the stock (order_payment_succeeded).
    """
    now = now or timezone.now()
    with cross_store_access("reservation sweep across stores"):
        due = list(
            Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, reserved_until__lt=now)
            .order_by("reserved_until", "id")
            .values_list("store_id", "pk")[:batch]
        )
    expired = 0
    stores: dict[int, Store] = {}
    for store_id, pk in due:
        if store_id not in stores:
            stores[store_id] = Store.objects.get(pk=store_id)
        store = stores[store_id]
        with transaction.atomic():
            order = Order.objects.select_for_update(no_key=True).filter(store=store, pk=pk).first()
            if (
                order is None
                or order.status != OrderStatus.PENDING_PAYMENT
                or order.reserved_until is None
                or order.reserved_until >= now
            ):
                continue
            units = _stock_held(store=store, order=order)
            order_event(
                order=order,
                kind=OrderEventKind.RESERVATION_EXPIRED,
                actor=Actor.system(),
                data={"units": sum(units.values())},
            )
            _cancel(store=store, order=order, actor=Actor.system(), code="reservation_expired")
            expired += 1
    return expired


def order_refundable(order: Order) -> Decimal:
    """What may still be refunded: total minus refunded."""
    return order.total - order.refunded_total
