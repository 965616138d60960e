"""The store's row lock lets settings writers take turns without holding up the store's buyers (stores.locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from shopwright.core.audit import Actor
from shopwright.orders.models import Order
from shopwright.shipping import services as shipping_services
from shopwright.shipping.models import ShippingZone
from shopwright.stores.locks import store_lock
from tests.concurrency import run_at_once
from tests.factories import make_merchant
from tests.order_factories import make_variant, place_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_merchant_saving_a_shipping_zone_does_not_hold_up_a_buyers_order(postgres, monkeypatch) -> None:
    """A buyer's commit checks its foreign keys to the store (FOR KEY SHARE), which FOR UPDATE would block."""
    store = make_merchant().store
    item = make_variant(store, stock=5)
    place_order(store, [(item, 1)])  # the store's shipping and first order exist before the race
    merchant_holds_the_store, buyer_done = threading.Event(), threading.Event()
    placed_while_the_merchant_held_it: list[bool] = []
    real_clean_zone = shipping_services._clean_zone

    def clean_zone_slowly(**kwargs):  # type: ignore[no-untyped-def]
        # Called with the store's row locked: the buyer places an order meanwhile.
        merchant_holds_the_store.set()
        placed_while_the_merchant_held_it.append(buyer_done.wait(timeout=5))
        return real_clean_zone(**kwargs)

    monkeypatch.setattr(shipping_services, "_clean_zone", clean_zone_slowly)

    def work(n: int) -> object:
        if n == 1:
            return shipping_services.shipping_zone_create(store=store, actor=Actor.system(), name="Far", areas=["JP"])
        assert merchant_holds_the_store.wait(timeout=10)
        try:
            return place_order(store, [(item, 1)])
        finally:
            buyer_done.set()

    outcomes = run_at_once(work, runs=2)

    assert isinstance(outcomes[1], ShippingZone), outcomes
    assert placed_while_the_merchant_held_it == [True]
    assert Order.objects.filter(store=store).count() == 2


def test_the_lock_says_whether_the_store_exists_and_needs_a_transaction() -> None:
    store = make_merchant().store
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        store_lock(store_id=store.pk)
    with transaction.atomic():
        assert store_lock(store_id=store.pk) is True
        assert store_lock(store_id=store.pk + 10_000) is False
