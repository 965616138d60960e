"""An order too large for its columns is a problem the buyer reads, not a crash when placing (review finding I4).

Prices (at most 9,999,999,999.99), weights (at most 10^9 g) and quantities
(at most 999 a line) are each bounded, but not their products: the most
expensive variant times 200, or 30 tonnes times 100, cannot be stored in
an order (PostgreSQL: numeric field overflow, integer out of range).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from shopwright.catalog.models import Variant
from shopwright.checkout.selectors import MAX_ORDER_AMOUNT, TOO_LARGE, checkout_priced
from shopwright.core.audit import Actor
from shopwright.orders.models import Order
from shopwright.orders.services import CheckoutIncomplete, order_place
from shopwright.shipping.models import ShippingMethod
from shopwright.stores.models import Store
from tests.api.conftest import Api, assert_error
from tests.checkout.helpers import variant
from tests.checkout.test_api import _visitor
from tests.checkout_factories import make_checkout

pytestmark = pytest.mark.django_db

HIGHEST_PRICE = "9999999999.99"


def _method(store: Store) -> ShippingMethod:
    return ShippingMethod.objects.filter(store=store).order_by("id").first()  # type: ignore[return-value]


def _heavy(store: Store, grams: int) -> Variant:
    item = variant(store, price="1.00", stock=1000)
    Variant.objects.filter(store=store, pk=item.pk).update(weight_grams=grams)
    item.refresh_from_db()
    return item


def test_the_highest_price_times_200_cannot_be_placed(store) -> None:
    item = variant(store, price=HIGHEST_PRICE, stock=500)
    checkout = make_checkout(store, [(item, 200)], method=_method(store))

    priced = checkout_priced(store=store, checkout=checkout)

    assert TOO_LARGE in priced.problems and not priced.ready
    assert TOO_LARGE == "This order is too large to place online: contact the store."


def test_30_tonnes_times_100_cannot_be_placed(store) -> None:
    checkout = make_checkout(store, [(_heavy(store, 30_000_000), 100)], method=_method(store))

    priced = checkout_priced(store=store, checkout=checkout)

    assert priced.weight_grams == 3_000_000_000
    assert TOO_LARGE in priced.problems


def test_an_order_just_within_the_columns_is_placed(store) -> None:
    """The highest price once, with free shipping and no tax: exactly the largest amount a column holds."""
    Store.objects.filter(pk=store.pk).update(prices_include_tax=True)
    store.refresh_from_db()
    method = _method(store)
    ShippingMethod.objects.filter(store=store, pk=method.pk).update(price=Decimal(0))
    item = variant(store, price=HIGHEST_PRICE, stock=5)
    checkout = make_checkout(store, [(item, 1)], method=method)
    priced = checkout_priced(store=store, checkout=checkout)
    assert priced.total == MAX_ORDER_AMOUNT and TOO_LARGE not in priced.problems

    placed = order_place(store=store, checkout=checkout, reviewed_signature=priced.signature, actor=Actor.anonymous())

    assert Order.objects.get(store=store, pk=placed.order.pk).total == MAX_ORDER_AMOUNT


def test_placing_a_too_large_order_says_so_and_writes_nothing(store) -> None:
    item = variant(store, price=HIGHEST_PRICE, stock=500)
    checkout = make_checkout(store, [(item, 200)], method=_method(store))
    signature = checkout_priced(store=store, checkout=checkout).signature

    with pytest.raises(CheckoutIncomplete) as raised:
        order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=Actor.anonymous())

    assert raised.value.fields == {"__all__": [TOO_LARGE]}
    assert not Order.objects.filter(store=store).exists()
    item.refresh_from_db()
    assert item.stock_quantity == 500


def test_the_api_answers_409_with_the_problem(client: Client, store) -> None:
    shop = _visitor(Api(client), store, (variant(store, price=HIGHEST_PRICE, stock=500), 200))
    ready = shop.ready()
    assert TOO_LARGE in ready["problems"]

    body = assert_error(shop.place({"signature": ready["signature"]}), 409)

    assert TOO_LARGE in body["fields"]["problems"]
    assert not Order.objects.filter(store=store).exists()


def test_the_review_page_says_so_offers_no_pay_button_and_a_forced_place_is_a_409(store) -> None:
    from shopwright.checkout.models import Checkout
    from tests.checkout.helpers import shopper_with, text
    from tests.checkout.test_pages import _to_review

    client = shopper_with(store, (variant(store, price=HIGHEST_PRICE, stock=500), 200))
    review = _to_review(client)
    assert TOO_LARGE in text(review)
    assert 'name="signature"' not in review.content.decode()

    checkout = Checkout.objects.get(store=store)
    signature = checkout_priced(store=store, checkout=checkout).signature
    placed = client.post("/checkout/place/", {"signature": signature, "snapshot": ""})

    assert placed.status_code == 409
    assert TOO_LARGE in text(placed)
    assert not Order.objects.filter(store=store).exists()
