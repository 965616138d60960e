"""Catalog test data.

`make_product` goes through `catalog.services.product_create`, so products
in tests have every denormalised column (prices, tags, search document) a
real product has.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from shopwright.catalog.inputs import OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import Product
from shopwright.core.audit import Actor
from shopwright.stores.models import Store

_seq = itertools.count(1)


def make_product(
    store: Store,
    *,
    title: str | None = None,
    price: Decimal | str = "19.99",
    stock: int = 10,
    status: str = "published",
    sizes: list[str] | None = None,
    colours: list[str] | None = None,
    **fields: object,
) -> Product:
    """A product; with `sizes` and/or `colours`, one variant per combination, SKU-numbered."""
    from shopwright.catalog.services import product_create

    n = next(_seq)
    options = []
    if sizes:
        options.append(OptionInput(name="Size", values=sizes))
    if colours:
        options.append(OptionInput(name="Colour", values=colours))
    combos: list[list[str]] = [[]]
    for option in options:
        combos = [[*c, v] for c in combos for v in option.values]
    variants = [
        VariantInput(option_values=combo, sku=f"SKU-{n}-{i}", price=price, stock_quantity=stock)
        for i, combo in enumerate(combos)
    ]
    data = ProductInput(
        title=title or f"Product {n}",
        status=status,
        options=options,
        variants=variants,
        **fields,  # type: ignore[arg-type]
    )
    return product_create(store=store, actor=Actor.system(), data=data)
