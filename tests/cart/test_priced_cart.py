"""The priced cart's one query: which image a line shows, exact amounts, stock bounds, withdrawn products."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.cart import selectors, services
from shopwright.cart.services import Shopper
from shopwright.catalog.images import image_url
from shopwright.catalog.models import Product, ProductImage, Variant
from shopwright.core.audit import Actor
from shopwright.stores.models import Store
from tests.cart.helpers import carts, only_variant, product, set_price, set_stock, variants_of, with_image
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _add(store: Store, shopper: Shopper, variant: Variant, quantity: int = 1) -> None:
    services.cart_line_add(
        store=store, actor=Actor.anonymous(), shopper=shopper, variant_id=variant.pk, quantity=quantity
    )


def _images(item: Product) -> list[ProductImage]:
    return list(ProductImage.objects.filter(store_id=item.store_id, product=item).order_by("position", "id"))


def test_a_line_shows_its_variants_image_else_its_products_first_else_none(store) -> None:
    shirt = with_image(with_image(product(store, title="Shirt", sizes=["S", "M"])))
    first, second = _images(shirt)
    small, medium = variants_of(shirt)
    Variant.objects.filter(store=store, pk=medium.pk).update(image=second)
    bare = only_variant(product(store, title="Plain"))
    shopper = Shopper(customer=make_customer(store))
    for variant in (small, medium, bare):
        _add(store, shopper, variant)

    priced = selectors.cart_priced(store=store, cart=carts(store)[0])
    shown = {line.variant_id: line.image for line in priced.lines}
    assert shown[small.pk] is not None and shown[small.pk].pk == first.pk
    assert shown[medium.pk] is not None and shown[medium.pk].pk == second.pk
    assert shown[bare.pk] is None
    # Loaded whole: its renditions give the same URL as the image read by the ORM.
    assert image_url(shown[medium.pk], 480) == image_url(second, 480) != ""


def test_amounts_are_exact_and_lines_keep_the_order_they_were_added(store) -> None:
    mug, lamp, rug = (only_variant(product(store, title=title)) for title in ("Mug", "Lamp", "Rug"))
    set_price(mug, "19.99", compare_at="24.99")
    set_price(lamp, "0.10")
    set_price(rug, "1234.56")
    shopper = Shopper(customer=make_customer(store))
    _add(store, shopper, lamp, 7)
    _add(store, shopper, mug, 3)
    _add(store, shopper, rug, 1)

    priced = selectors.cart_priced(store=store, cart=carts(store)[0])
    assert [line.product_title for line in priced.lines] == ["Lamp", "Mug", "Rug"]
    by_title = {line.product_title: line for line in priced.lines}
    assert by_title["Mug"].unit_price == Decimal("19.99")
    assert by_title["Mug"].compare_at_price == Decimal("24.99")
    assert by_title["Mug"].total == Decimal("59.97")
    assert by_title["Mug"].savings == Decimal("15.00")
    assert by_title["Lamp"].total == Decimal("0.70")
    assert by_title["Rug"].compare_at_price is None
    assert priced.subtotal == Decimal("1295.23")
    assert str(priced.subtotal) == "1295.23"
    assert priced.count == 11


def test_stock_bounds_and_withdrawn_products(store) -> None:
    tracked, untracked = variants_of(product(store, title="Sock", sizes=["S", "M"], stock=5))
    gone = only_variant(product(store, title="Gone"))
    shopper = Shopper(customer=make_customer(store))
    _add(store, shopper, tracked, 4)
    _add(store, shopper, untracked, 2)
    _add(store, shopper, gone, 1)
    set_stock(tracked, 3)
    set_stock(untracked, 0, track=False)
    Product.objects.filter(store=store, pk=gone.product_id).update(status="draft")

    priced = selectors.cart_priced(store=store, cart=carts(store)[0])
    by_variant = {line.variant_id: line for line in priced.lines}
    assert (by_variant[tracked.pk].max_quantity, by_variant[tracked.pk].over_stock) == (3, True)
    assert by_variant[tracked.pk].variant_title == "S"
    assert by_variant[untracked.pk].max_quantity == 999
    assert (by_variant[gone.pk].available, by_variant[gone.pk].max_quantity) == (False, 0)
    assert priced.count == 6


def test_pricing_a_cart_is_one_query_whatever_its_lines_and_images(store) -> None:
    shopper = Shopper(customer=make_customer(store))
    for n in range(6):
        item = product(store, title=f"Item {n}")
        if n % 2:
            with_image(item)
        _add(store, shopper, only_variant(item))
    cart = carts(store)[0]
    with CaptureQueriesContext(connection) as queries:
        priced = selectors.cart_priced(store=store, cart=cart)
    assert len(priced.lines) == 6
    assert sum(line.image is not None for line in priced.lines) == 3
    assert len(queries) == 1
