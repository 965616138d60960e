"""Helpers for the storefront catalog tests: a visitor's browser, collections and images made through the services."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.test import Client
from PIL import Image

from shopwright.catalog.inputs import CollectionInput, CollectionRule, OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import Collection, Product, ProductImage, ProductOption, Variant
from shopwright.catalog.services import (
    collection_create,
    collection_set_products,
    product_create,
    product_image_add,
    product_update,
)
from shopwright.core.audit import Actor
from shopwright.stores.models import Store
from tests.factories import host


def visitor(store: Store) -> Client:
    return Client(HTTP_HOST=host(store))


def make_collection(
    store: Store,
    title: str,
    *,
    products: list[Product] | None = None,
    rules: list[tuple[str, str, str]] | None = None,
    **fields: Any,
) -> Collection:
    """A manual collection of `products` in this order, or an automatic one with `rules` (field, op, value)."""
    data = CollectionInput(
        title=title,
        kind="automatic" if rules else "manual",
        rules=[CollectionRule(field=f, op=o, value=v) for f, o, v in rules or []],
        **fields,
    )
    collection = collection_create(store=store, actor=Actor.system(), data=data)
    if products:
        collection_set_products(
            store=store, actor=Actor.system(), collection=collection, product_ids=[p.pk for p in products]
        )
    return collection


def add_image(
    store: Store,
    product: Product,
    *,
    colour: tuple[int, int, int] = (30, 90, 160),
    alt: str = "",
    size: tuple[int, int] = (1200, 900),
) -> ProductImage:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    out.seek(0)
    return product_image_add(store=store, actor=Actor.system(), product=product, upload=out, alt=alt)


def html(response: Any) -> str:
    return response.content.decode()


def card_titles(response: Any) -> list[str]:
    """The product titles of the listing's cards, in page order."""
    return re.findall(r'<span class="title">([^<]*)</span>', html(response))


def product_data(response: Any) -> dict[str, Any]:
    """The variants JSON product.js reads (json_script with id "product-data")."""
    match = re.search(r'<script id="product-data" type="application/json">(.*?)</script>', html(response), re.S)
    assert match, "the product page carries its variants as JSON"
    return json.loads(match.group(1))


def money(value: str) -> Decimal:
    return Decimal(value)


def make_product_with_variants(
    store: Store,
    *,
    title: str,
    options: list[tuple[str, list[str]]],
    variants: list[dict[str, Any]],
    **fields: Any,
) -> Product:
    """A published product with these options and variants (each a VariantInput's keywords)."""
    data = ProductInput(
        title=title,
        status=fields.pop("status", "published"),
        options=[OptionInput(name=name, values=values) for name, values in options],
        variants=[VariantInput(**v) for v in variants],
        **fields,
    )
    return product_create(store=store, actor=Actor.system(), data=data)


def product_change(store: Store, product: Product, **changes: Any) -> Product:
    """product_update with the product's current input, some fields changed."""
    product = Product.objects.get(store=store, pk=product.pk)
    options = list(ProductOption.objects.filter(store=store, product=product).order_by("position"))
    variants = list(Variant.objects.filter(store=store, product=product).order_by("position", "id"))
    data = ProductInput(
        title=product.title,
        handle=product.handle,
        description_html=product.description_html,
        vendor=product.vendor,
        product_type=product.product_type,
        tags=product.tags,
        status=product.status,
        options=[OptionInput(name=o.name, values=list(o.values)) for o in options],
        variants=[
            VariantInput(
                option_values=v.option_values,
                sku=v.sku,
                price=v.price,
                compare_at_price=v.compare_at_price,
                stock_quantity=v.stock_quantity,
                track_stock=v.track_stock,
                continue_selling=v.continue_selling,
                image_id=v.image_id,
            )
            for v in variants
        ],
    )
    return product_update(store=store, actor=Actor.system(), product=product, data=replace(data, **changes))
