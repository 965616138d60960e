"""Writing CSV files for the import tests, and reading what the catalog holds after one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from shopwright.catalog.csv_io import COLUMNS, export_text
from shopwright.catalog.models import Product, Variant
from shopwright.stores.models import Store


def csv_bytes(rows: Iterable[dict[str, Any]], *, columns: Iterable[str] = COLUMNS, bom: bool = False) -> bytes:
    """A CSV file with these columns; each row dict gives some of them (the rest are blank)."""
    out = io.StringIO()
    writer = csv.writer(out)
    names = list(columns)
    writer.writerow(names)
    for row in rows:
        writer.writerow([str(row.get(name, "")) for name in names])
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def export_bytes(store: Store) -> bytes:
    return "".join(export_text(store=store)).encode()


def export_table(store: Store) -> list[dict[str, str]]:
    text = export_bytes(store).decode()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def shirt_rows(*, handle: str = "linen-shirt", price: str = "30.00", sku_prefix: str = "LS") -> list[dict[str, Any]]:
    """Rows of a shirt in S and M, red and blue: the first row carries the product fields."""
    rows = []
    for i, (size, colour) in enumerate([("S", "Red"), ("S", "Blue"), ("M", "Red"), ("M", "Blue")]):
        row: dict[str, Any] = {
            "handle": handle,
            "option1_value": size,
            "option2_value": colour,
            "sku": f"{sku_prefix}-{size}-{colour.upper()}",
            "price": price,
            "stock_quantity": "5",
        }
        if i == 0:
            row.update(
                title="Linen Shirt",
                vendor="Acme",
                tags="summer, linen",
                status="published",
                option1_name="Size",
                option2_name="Colour",
            )
        rows.append(row)
    return rows


def snapshot(store: Store) -> dict[str, Any]:
    """Everything the CSV describes about the store's catalog, with variant ids, to compare before and after."""
    products = {}
    for product in Product.objects.filter(store=store).order_by("handle"):
        products[product.handle] = {
            "id": product.pk,
            "fields": (
                product.title,
                product.description_html,
                product.vendor,
                product.product_type,
                product.tags_text,
                product.status,
                product.seo_title,
                product.seo_description,
                product.price_min,
                product.price_max,
            ),
            "options": [(o.name, o.values) for o in product.options.filter(store=store)],
            "variants": [
                (
                    v.pk,
                    v.sku,
                    v.option1,
                    v.option2,
                    v.option3,
                    v.price,
                    v.compare_at_price,
                    v.weight_grams,
                    v.stock_quantity,
                    v.track_stock,
                    v.continue_selling,
                    v.image_id,
                )
                for v in Variant.objects.filter(store=store, product=product)
            ],
        }
    return products
