"""Buyers racing on PostgreSQL (real concurrent transactions): no overselling, no gaps, no double orders."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import cast

import pytest
from django.db import transaction
from django.utils import timezone

from shopwright.catalog import services as catalog_services
from shopwright.catalog.inputs import OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import Product, Variant
from shopwright.catalog.stock import InsufficientStock
from shopwright.checkout.selectors import checkout_priced
from shopwright.core.audit import Actor
from shopwright.orders import services
from shopwright.orders.models import Order, OrderStatus
from shopwright.orders.services import (
    OrderPlaced,
    PaymentOutcome,
    order_payment_succeeded,
    order_place,
    order_reservations_expire,
)
from shopwright.shipping.models import ShippingMethod
from tests.checkout_factories import make_checkout
from tests.concurrency import pause_in, run_at_once
from tests.order_factories import make_payment, make_variant, place_order, stock_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _ready_checkouts(store, lines, count: int):  # type: ignore[no-untyped-def]
    """`count` checkouts of `lines`, each with the signature its buyer reviewed."""
    method = ShippingMethod.objects.filter(store=store).get()
    ready = []
    for _ in range(count):
        checkout = make_checkout(store, lines, method=method)
        ready.append((checkout, checkout_priced(store=store, checkout=checkout).signature))
    return ready


def _race(store, ready, *, runs: int) -> dict[int, object]:  # type: ignore[no-untyped-def]
    """Every buyer clicks "Pay" at the same moment (a barrier), each with their own checkout (or the same one)."""
    barrier = threading.Barrier(runs, timeout=30)

    def place(n: int) -> OrderPlaced:
        checkout, signature = ready[(n - 1) % len(ready)]
        barrier.wait()
        return order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=Actor.anonymous())

    return run_at_once(place, runs=runs)


def test_thirty_buyers_for_the_last_five_units(postgres, store) -> None:
    item = make_variant(store, stock=5)
    ready = _ready_checkouts(store, [(item, 1)], 30)

    outcomes = _race(store, ready, runs=30)

    placed = [o for o in outcomes.values() if isinstance(o, OrderPlaced)]
    short = [o for o in outcomes.values() if isinstance(o, InsufficientStock)]
    assert len(placed) == 5 and len(short) == 25, outcomes
    assert all(s.shortfalls == {item.pk: 0} for s in short)
    assert stock_of(item) == 0
    assert Order.objects.filter(store=store).count() == 5


def test_twenty_placements_at_one_store_number_1001_to_1020_without_gaps(postgres, store) -> None:
    item = make_variant(store, stock=100)
    ready = _ready_checkouts(store, [(item, 1)], 20)

    outcomes = _race(store, ready, runs=20)

    assert all(isinstance(o, OrderPlaced) for o in outcomes.values()), outcomes
    numbers = sorted(Order.objects.filter(store=store).values_list("number", flat=True))
    assert numbers == list(range(1001, 1021))
    assert stock_of(item) == 80


def test_a_double_click_from_two_tabs_places_one_order(postgres, store) -> None:
    item = make_variant(store, stock=5)
    ready = _ready_checkouts(store, [(item, 2)], 1)

    outcomes = _race(store, ready, runs=2)

    results = [o for o in outcomes.values() if isinstance(o, OrderPlaced)]
    assert len(results) == 2, outcomes
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.order.pk for r in results}) == 1
    assert Order.objects.filter(store=store).count() == 1
    assert stock_of(item) == 3


def test_a_placement_still_writing_its_order_does_not_hold_up_the_next_buyer_of_the_same_item(
    postgres, store, monkeypatch
) -> None:
    """The rows every buyer needs, the item's stock and the store's number, are locked last (orders.services)."""
    item = make_variant(store, stock=5)
    (slow, slow_signature), (quick, quick_signature) = _ready_checkouts(store, [(item, 1)], 2)
    # The slow buyer stops once its order row is written (its "placed" event), until the quick buyer is done.
    pause = pause_in(monkeypatch, services, "order_event", timeout=10)

    def place(n: int) -> OrderPlaced:
        if n == 1:
            pause.this_thread()
            return order_place(store=store, checkout=slow, reviewed_signature=slow_signature, actor=Actor.anonymous())
        with pause.meanwhile():
            return order_place(store=store, checkout=quick, reviewed_signature=quick_signature, actor=Actor.anonymous())

    outcomes = run_at_once(place, runs=2)

    assert all(isinstance(o, OrderPlaced) for o in outcomes.values()), outcomes
    # The quick buyer was not queued behind the slow one: it took the item and the first number while the
    # slow one was writing its order.
    assert cast(OrderPlaced, outcomes[2]).order.number == 1001
    assert cast(OrderPlaced, outcomes[1]).order.number == 1002
    assert sorted(Order.objects.filter(store=store).values_list("number", flat=True)) == [1001, 1002]
    assert stock_of(item) == 3


def test_placements_that_fail_after_their_number_leave_no_gap(postgres, store) -> None:
    item = make_variant(store, stock=100)
    ready = _ready_checkouts(store, [(item, 1)], 12)
    barrier = threading.Barrier(12, timeout=30)
    buyer = threading.local()

    def fail_every_third(order: Order) -> None:
        assert order.number is not None  # numbered by now: failing here gives the number back
        if buyer.n % 3 == 0:
            raise RuntimeError("the payment attempt could not be written")

    def place(n: int) -> OrderPlaced:
        checkout, signature = ready[n - 1]
        buyer.n = n
        barrier.wait()
        return order_place(
            store=store,
            checkout=checkout,
            reviewed_signature=signature,
            actor=Actor.anonymous(),
            on_placed=fail_every_third,
        )

    outcomes = run_at_once(place, runs=12)

    placed = [o for o in outcomes.values() if isinstance(o, OrderPlaced)]
    failed = [o for o in outcomes.values() if isinstance(o, RuntimeError)]
    assert (len(placed), len(failed)) == (8, 4), outcomes
    numbers = sorted(Order.objects.filter(store=store).values_list("number", flat=True))
    # Each failure gave its number back and the next placement took it: no gap, no number twice.
    assert numbers == list(range(1001, 1001 + len(placed)))
    assert sorted(o.order.number for o in placed) == numbers
    assert stock_of(item) == 100 - len(placed)


def test_a_merchant_removing_the_variant_a_buyer_is_placing_ends_in_sold_out_not_a_deadlock(
    postgres, store, monkeypatch
) -> None:
    """The edit locks the variant and then deletes its cart lines; placing empties the cart only after its lock."""
    sizes = [VariantInput(option_values=[size], price="20.00", stock_quantity=5) for size in ("S", "M")]
    shirt = catalog_services.product_create(
        store=store,
        actor=Actor.system(),
        data=ProductInput(
            title="Shirt", status="published", options=[OptionInput(name="Size", values=["S", "M"])], variants=sizes
        ),
    )
    small, medium = (Variant.objects.get(store=store, product=shirt, option1=size) for size in ("S", "M"))
    (checkout, signature) = _ready_checkouts(store, [(medium, 1)], 1)[0]
    # The order is written; the merchant saves the product (without size M) before the stock is locked.
    # With the cart emptied too early the merchant never finishes, and the buyer goes on after 3 s.
    pause = pause_in(monkeypatch, services, "stock_reserve", timeout=3)

    def work(n: int) -> object:
        if n == 1:
            pause.this_thread()
            return order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=Actor.anonymous())
        with pause.meanwhile():
            product = Product.objects.get(store=store, pk=shirt.pk)
            only_small = ProductInput(
                title="Shirt",
                status="published",
                options=[OptionInput(name="Size", values=["S"])],
                variants=[VariantInput(option_values=["S"], price="20.00", stock_quantity=5)],
            )
            return catalog_services.product_update(store=store, actor=Actor.system(), product=product, data=only_small)

    outcomes = run_at_once(work, runs=2)

    # The buyer is told the item is gone (a 409 on the page), the merchant's edit is saved; nobody gets a 500.
    assert isinstance(outcomes[1], InsufficientStock) and outcomes[1].shortfalls == {medium.pk: 0}, outcomes
    assert isinstance(outcomes[2], Product), outcomes
    assert list(Variant.objects.filter(store=store, product=shirt).values_list("pk", flat=True)) == [small.pk]
    assert not Order.objects.filter(store=store).exists()


def test_a_late_payment_and_a_merchant_editing_the_product_both_go_through(postgres, store, monkeypatch) -> None:
    """Paying an expired order takes its stock again and grows the sales count: products before variants.

    The merchant's edit locks the product, then its variants; the late payment, holding the variant
    lock while the merchant waits for it, would otherwise deadlock on the product's sales count.
    """
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 2)]).order
    order_reservations_expire(now=timezone.now() + timedelta(minutes=16))
    payment = make_payment(order)
    assert stock_of(item) == 5
    # The payer stops holding the stock's lock; the merchant waits for it, so cannot finish first.
    pause = pause_in(monkeypatch, services, "stock_reserve", timeout=2, after=True)

    def work(n: int) -> object:
        if n == 1:
            pause.this_thread()
            with transaction.atomic():
                return order_payment_succeeded(store=store, order=order, payment=payment)
        with pause.meanwhile():
            product = Product.objects.get(store=store, pk=item.product_id)
            renamed = ProductInput(
                title="Renamed",
                status="published",
                variants=[VariantInput(price="20.00", stock_quantity=5, stock_seen=5)],
            )
            return catalog_services.product_update(store=store, actor=Actor.system(), product=product, data=renamed)

    outcomes = run_at_once(work, runs=2)

    assert outcomes[1] is PaymentOutcome.APPLIED, outcomes
    assert isinstance(outcomes[2], Product) and outcomes[2].title == "Renamed", outcomes
    assert Order.objects.get(store=store, pk=order.pk).status == OrderStatus.PAID
    assert stock_of(item) == 3
    assert Product.objects.get(store=store, pk=item.product_id).sales_count == 2
