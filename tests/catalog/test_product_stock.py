"""product_update and stock that buyers' orders change while a merchant edits (review finding C3).

`Variant.stock_quantity` is what is left to sell: placing an order takes its
units off at once. An editor loaded before that order must not write its old
number back when the merchant only renamed the product.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from shopwright.catalog import csv_io
from shopwright.catalog.inputs import OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import Product, Variant
from shopwright.catalog.services import StockChanged, product_create, product_update
from shopwright.catalog.stock import stock_reserve
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.stores.models import Store
from tests.catalog.csv_helpers import csv_bytes
from tests.catalog_factories import make_product

pytestmark = pytest.mark.django_db


def _mug(store: Store, actor: Actor, *, stock: int = 10, **variant: object) -> tuple[Product, Variant]:
    data = ProductInput(title="Mug", variants=[VariantInput(price="9.50", stock_quantity=stock, **variant)])  # type: ignore[arg-type]
    product = product_create(store=store, actor=actor, data=data)
    return product, Variant.objects.get(store=store, product=product)


def _edit(title: str, *, stock: int | str, seen: int | str | None, **variant: object) -> ProductInput:
    """What the editor sends: the stock field as typed and the stock it showed."""
    return ProductInput(
        title=title,
        variants=[VariantInput(price="9.50", stock_quantity=stock, stock_seen=seen, **variant)],  # type: ignore[arg-type]
    )


def _buy(store: Store, variant: Variant, units: int) -> None:
    with transaction.atomic():
        stock_reserve(store=store, quantities={variant.pk: units})


def _stock(variant: Variant) -> int:
    variant.refresh_from_db()
    return variant.stock_quantity


def test_renaming_in_an_editor_loaded_before_an_order_keeps_the_order_s_stock(store, actor) -> None:
    product, variant = _mug(store, actor, stock=10)
    shown = 10  # the editor is loaded
    _buy(store, variant, 3)  # a buyer places an order for 3: 7 left to sell

    product_update(store=store, actor=actor, product=product, data=_edit("Big Mug", stock=shown, seen=shown))

    assert product.title == "Big Mug"
    assert _stock(variant) == 7  # not 10: the 3 units are not sold twice


def test_a_stock_the_merchant_changed_is_written_when_nothing_moved(store, actor) -> None:
    product, variant = _mug(store, actor, stock=10)

    product_update(store=store, actor=actor, product=product, data=_edit("Mug", stock=25, seen=10))

    assert _stock(variant) == 25


def test_a_changed_stock_that_moved_meanwhile_is_refused_with_the_stock_now_and_nothing_saved(store, actor) -> None:
    product, variant = _mug(store, actor, stock=10)
    _buy(store, variant, 3)

    with pytest.raises(StockChanged) as caught:
        product_update(store=store, actor=actor, product=product, data=_edit("Big Mug", stock=12, seen=10))

    assert caught.value.current == {0: 7}
    assert caught.value.fields == {
        "variants.0.stock_quantity": ["Stock changed while you were editing (now 7): check it and save again."]
    }
    product.refresh_from_db()
    assert (product.title, _stock(variant)) == ("Mug", 7)


def test_saving_again_against_the_stock_now_writes_the_merchant_s_number(store, actor) -> None:
    product, variant = _mug(store, actor, stock=10)
    _buy(store, variant, 3)
    with pytest.raises(StockChanged):
        product_update(store=store, actor=actor, product=product, data=_edit("Mug", stock=12, seen=10))

    product_update(store=store, actor=actor, product=product, data=_edit("Mug", stock=12, seen=7))

    assert _stock(variant) == 12


def test_only_the_variants_whose_stock_was_changed_are_checked(store, actor) -> None:
    product = make_product(store, title="Shirt", sizes=["S", "M"], stock=10)
    small, medium = Variant.objects.filter(store=store, product=product).order_by("position")
    _buy(store, small, 4)  # S: 6 left; the editor still shows 10

    data = ProductInput(
        title="Shirt",
        options=[OptionInput(name="Size", values=["S", "M"])],
        variants=[
            VariantInput(option_values=["S"], sku=small.sku, price="19.99", stock_quantity=10, stock_seen=10),
            VariantInput(option_values=["M"], sku=medium.sku, price="19.99", stock_quantity=15, stock_seen=10),
        ],
    )
    product_update(store=store, actor=actor, product=product, data=data)

    assert (_stock(small), _stock(medium)) == (6, 15)


def test_without_stock_seen_the_stock_is_written_as_given(store, actor) -> None:
    """Callers that set a count (the demo loader, an import's stock column) keep their meaning."""
    product, variant = _mug(store, actor, stock=10)
    _buy(store, variant, 3)

    product_update(store=store, actor=actor, product=product, data=_edit("Mug", stock=10, seen=None))

    assert _stock(variant) == 10


def test_an_oversold_variant_left_as_shown_saves_without_a_stock_error(store, actor) -> None:
    """A variant sold past zero (continue selling) shows a negative stock the merchant did not type."""
    product, variant = _mug(store, actor, stock=1, continue_selling=True)
    _buy(store, variant, 3)
    assert _stock(variant) == -2

    product_update(
        store=store, actor=actor, product=product, data=_edit("Mug 2", stock="-2", seen="-2", continue_selling=True)
    )

    product.refresh_from_db()
    assert (product.title, _stock(variant)) == ("Mug 2", -2)


@pytest.mark.parametrize("seen", ["ten", "1.5", "99999999999"])
def test_a_stock_seen_that_no_page_sends_is_a_field_error(store, actor, seen) -> None:
    product, variant = _mug(store, actor, stock=10)

    with pytest.raises(ApplicationError) as caught:
        product_update(store=store, actor=actor, product=product, data=_edit("Other", stock=12, seen=seen))

    assert "variants.0.stock_quantity" in caught.value.fields
    product.refresh_from_db()
    assert (product.title, _stock(variant)) == ("Mug", 10)


def test_an_import_without_a_stock_column_leaves_stock_that_orders_change_meanwhile(store, actor) -> None:
    """The file is read, an order comes in, then the import writes: the order's units stay taken."""
    product, variant = _mug(store, actor, stock=10)
    variant.sku = "MUG-1"
    variant.save(update_fields=["sku"])
    row = {"handle": product.handle, "title": "Big Mug", "sku": "MUG-1", "price": "9.50"}
    parsed = csv_io.parse_csv(csv_bytes([row], columns=["handle", "title", "sku", "price"]))
    existing = csv_io.existing_products(store=store, handles=[product.handle])
    rows = csv_io.product_rows(parsed.products[0], columns=parsed.columns, existing=existing[product.handle])
    _buy(store, variant, 3)

    product_update(store=store, actor=actor, product=rows.existing, data=rows.data)

    product.refresh_from_db()
    assert (product.title, _stock(variant)) == ("Big Mug", 7)


def test_an_import_with_a_stock_column_sets_the_count_it_gives(store, actor) -> None:
    product, variant = _mug(store, actor, stock=10)
    variant.sku = "MUG-1"
    variant.save(update_fields=["sku"])
    row = {"handle": product.handle, "title": "Mug", "sku": "MUG-1", "price": "9.50", "stock_quantity": "40"}
    parsed = csv_io.parse_csv(csv_bytes([row], columns=["handle", "title", "sku", "price", "stock_quantity"]))
    existing = csv_io.existing_products(store=store, handles=[product.handle])
    rows = csv_io.product_rows(parsed.products[0], columns=parsed.columns, existing=existing[product.handle])
    _buy(store, variant, 3)

    product_update(store=store, actor=actor, product=rows.existing, data=rows.data)

    assert _stock(variant) == 40
