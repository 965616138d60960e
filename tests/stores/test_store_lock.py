"""The store's row lock lets settings writers take turns without holding up the store's buyers (stores.locks)."""

from __future__ import annotations

import pytest
from django.db import transaction

from shopwright.core.audit import Actor
from shopwright.orders.models import Order
from shopwright.orders.services import OrderPlaced
from shopwright.shipping import services as shipping_services
from shopwright.shipping.models import ShippingZone
from shopwright.stores.locks import store_lock
from tests.concurrency import while_locked
from tests.factories import make_merchant
from tests.order_factories import make_variant, place_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_merchant_saving_a_shipping_zone_does_not_hold_up_a_buyers_order(postgres) -> None:
    """A buyer's commit checks its foreign keys to the store (FOR KEY SHARE), which FOR UPDATE would block."""
    store = make_merchant().store
    item = make_variant(store, stock=5)
    place_order(store, [(item, 1)])  # the store's shipping and first order exist before the race

    outcome = while_locked(
        lambda: shipping_services.shipping_zone_create(store=store, actor=Actor.system(), name="Far", areas=["JP"]),
        lambda: place_order(store, [(item, 1)]),
    )

    assert isinstance(outcome, OrderPlaced), outcome
    assert ShippingZone.objects.filter(store=store, name="Far").exists()
    assert Order.objects.filter(store=store).count() == 2


def test_the_lock_says_whether_the_store_exists_and_needs_a_transaction() -> None:
    store = make_merchant().store
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        store_lock(store_id=store.pk)
    with transaction.atomic():
        assert store_lock(store_id=store.pk) is True
        assert store_lock(store_id=store.pk + 10_000) is False
