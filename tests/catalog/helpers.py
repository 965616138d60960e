"""Building product inputs in tests, and counting what a failed write would have left behind."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shopwright.catalog.inputs import OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import Product, ProductImage, ProductOption, Variant
from shopwright.core.models import AuditEntry
from shopwright.stores.models import Store


def shirt_input(**overrides: Any) -> ProductInput:
    """A shirt in two sizes and two colours: four variants, SKUs SH-S-RED …"""
    sizes, colours = ["S", "M"], ["Red", "Blue"]
    data = ProductInput(
        title="Linen Shirt",
        description_html="<p>Soft <strong>linen</strong></p>",
        vendor="Acme",
        product_type="Shirts",
        tags=["Summer", " linen ", "summer"],
        status="published",
        options=[OptionInput(name="Size", values=sizes), OptionInput(name="Colour", values=colours)],
        variants=[
            VariantInput(option_values=[s, c], sku=f"SH-{s}-{c.upper()}", price=price, stock_quantity=5)
            for s in sizes
            for c, price in zip(colours, ["30.00", "32.50"], strict=True)
        ],
    )
    return replace(data, **overrides)


def simple_input(**overrides: Any) -> ProductInput:
    """A product without options: one variant."""
    variant_fields = {k: overrides.pop(k) for k in list(overrides) if k in VariantInput.__dataclass_fields__}
    data = ProductInput(title="Mug", variants=[VariantInput(**{"sku": "", "price": "9.50", **variant_fields})])
    return replace(data, **overrides)


def with_variant(data: ProductInput, index: int, **fields: Any) -> ProductInput:
    variants = list(data.variants)
    variants[index] = replace(variants[index], **fields)
    return replace(data, variants=variants)


def catalog_counts(store: Store) -> dict[str, int]:
    return {
        "products": Product.objects.filter(store=store).count(),
        "options": ProductOption.objects.filter(store=store).count(),
        "variants": Variant.objects.filter(store=store).count(),
        "images": ProductImage.objects.filter(store=store).count(),
        "audit": AuditEntry.objects.filter(store_id=store.pk).count(),
    }
