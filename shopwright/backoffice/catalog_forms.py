"""Parsing the back-office catalog forms into `catalog.inputs`, and errors back onto them.

The forms only read what the browser sent; every rule (lengths, prices,
unique SKUs, limits) is checked by `catalog.services`, so a page, the CSV
import and the API give the same messages. Field errors come back keyed the
way the inputs are (`variants.3.price`, `options.1.values`, `rules.0.value`)
and are attached here to the row and cell that caused them.

Product variants are one row per combination of option values. A row carries
its combination in a hidden `variants-N-key` (a JSON list of values), so when
the options change, the rows that still exist keep what was typed in them.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from shopwright.catalog.inputs import (
    CollectionInput,
    CollectionRule,
    OptionInput,
    ProductInput,
    VariantInput,
)
from shopwright.catalog.models import (
    MAX_OPTIONS,
    MAX_VARIANTS,
    Collection,
    CollectionKind,
    CollectionSort,
    Product,
    ProductOption,
    ProductStatus,
    Variant,
)
from shopwright.core.exceptions import ApplicationError

MAX_RULES = 10
# Rows a browser may send; more than the service accepts, so "too many" is its message, not a silent cut.
MAX_POSTED_ROWS = 1000
# A value no image has: a malformed image choice must reach the service as "not this product's image".
NO_SUCH_IMAGE = -1
REPEATED_ROW = "Two rows were sent for this variant; check it and save again."

RULE_FIELDS = [("tag", "Tag"), ("type", "Type"), ("vendor", "Vendor"), ("price", "Price")]
RULE_OPS = [
    ("equals", "is"),
    ("not_equals", "is not"),
    ("gt", "greater than"),
    ("lt", "less than"),
]


def _text(label: str, help_text: str = "") -> forms.CharField:
    """Optional text: lengths and formats are the service's to check, so every message comes at once."""
    return forms.CharField(label=label, help_text=help_text, required=False, strip=True)


class ProductForm(forms.Form):
    """The product's own fields, named as in ProductInput so service errors land on them."""

    title = _text(label="Title")
    handle = _text(label="URL handle", help_text="Leave blank to make one from the title.")
    description_html = forms.CharField(
        label="Description",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="HTML: paragraphs, lists, headings, bold, italic and links are kept; anything else is removed.",
    )
    vendor = _text(label="Vendor")
    product_type = _text(label="Type")
    tags = _text(label="Tags", help_text="Separated by commas.")
    status = forms.CharField(
        label="Status", required=False, widget=forms.Select(choices=ProductStatus.choices, attrs={"class": "auto"})
    )
    seo_title = _text(label="SEO title", help_text="Shown by search engines; the title when blank.")
    seo_description = forms.CharField(label="SEO description", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def initial_for(cls, product: Product) -> dict[str, Any]:
        return {
            "title": product.title,
            "handle": product.handle,
            "description_html": product.description_html,
            "vendor": product.vendor,
            "product_type": product.product_type,
            "tags": ", ".join(product.tags),
            "status": product.status,
            "seo_title": product.seo_title,
            "seo_description": product.seo_description,
        }


@dataclass
class OptionRow:
    name: str = ""
    values_text: str = ""
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def values(self) -> list[str]:
        return split_list(self.values_text)

    @property
    def blank(self) -> bool:
        return not self.name and not self.values

    @property
    def other_errors(self) -> list[str]:
        return [m for name, messages in self.errors.items() if name not in {"name", "values"} for m in messages]


@dataclass
class VariantRow:
    """One variant as the page shows it: the strings typed, and the messages about them."""

    key: tuple[str, ...] = ()
    sku: str = ""
    price: str = ""
    compare_at_price: str = ""
    weight_grams: str = "0"
    stock_quantity: str = "0"
    # The stock the page showed for a saved variant (carried in the form's `stock_seen` map): the service
    # writes the stock only when the merchant changed it, and only over this value (orders change stock
    # while a page is open).
    stock_seen: str = ""
    track_stock: bool = True
    continue_selling: bool = False
    image_id: str = ""
    # Units orders awaiting payment hold (already off the stock); shown beside it, not sent back.
    held: int = 0
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def key_json(self) -> str:
        return json.dumps(list(self.key))

    @property
    def title(self) -> str:
        return " / ".join(self.key) or "Default"

    @property
    def other_errors(self) -> list[str]:
        """Messages about this variant that no single cell shows (e.g. its combination)."""
        cells = {"sku", "price", "compare_at_price", "weight_grams", "stock_quantity", "image_id"}
        return [m for name, messages in self.errors.items() if name not in cells for m in messages]

    @classmethod
    def from_variant(cls, variant: Variant) -> VariantRow:
        return cls(
            key=tuple(variant.option_values),
            sku=variant.sku,
            price=_plain(variant.price),
            compare_at_price=_plain(variant.compare_at_price),
            weight_grams=str(variant.weight_grams),
            stock_quantity=str(variant.stock_quantity),
            stock_seen=str(variant.stock_quantity),
            track_stock=variant.track_stock,
            continue_selling=variant.continue_selling,
            image_id=str(variant.image_id or ""),
        )

    def to_input(self) -> VariantInput:
        image_id: int | None = None
        if self.image_id:
            image_id = int(self.image_id) if is_id(self.image_id) else NO_SUCH_IMAGE
        return VariantInput(
            option_values=list(self.key),
            sku=self.sku,
            price=self.price,
            compare_at_price=self.compare_at_price or None,
            weight_grams=self.weight_grams or "0",
            stock_quantity=self.stock_quantity or "0",
            stock_seen=self.stock_seen or None,
            track_stock=self.track_stock,
            continue_selling=self.continue_selling,
            image_id=image_id,
        )


def _plain(amount: Decimal | None) -> str:
    """A price as a merchant types it: no exponent, no trailing noise."""
    return "" if amount is None else f"{amount:f}"


def split_list(text: str) -> list[str]:
    """Comma-separated values, trimmed, blanks dropped (duplicates are the service's to report)."""
    return [part.strip() for part in text.split(",") if part.strip()]


# --- options and variants ---------------------------------------------------------


def options_from_product(options: list[ProductOption]) -> list[OptionRow]:
    return [OptionRow(name=o.name, values_text=", ".join(str(v) for v in o.values)) for o in options]


def options_from_post(data: QueryDict) -> list[OptionRow]:
    """The filled option rows, in page order (blank rows dropped, so positions match the input's)."""
    rows = [
        OptionRow(name=data.get(f"options-{i}-name", "").strip(), values_text=data.get(f"options-{i}-values", ""))
        for i in range(MAX_OPTIONS)
    ]
    return [row for row in rows if not row.blank]


def variant_rows_from_post(data: QueryDict) -> list[VariantRow]:
    """The variant rows as sent, each with the combination it was made for.

    A row whose key is not a list of strings is left out: no page sends one,
    and `rows_for_options` then starts its combination from the saved variant.
    """
    indices = sorted({int(m.group(1)) for name in data if (m := re.fullmatch(r"variants-(\d{1,4})-key", name))})[
        :MAX_POSTED_ROWS
    ]
    seen = stock_seen_from_post(data)
    rows = []
    for i in indices:
        try:
            key = json.loads(data.get(f"variants-{i}-key", ""))
        except ValueError:
            continue
        if not isinstance(key, list) or not all(isinstance(v, str) for v in key):
            continue
        rows.append(
            VariantRow(
                key=tuple(v.strip() for v in key),
                sku=data.get(f"variants-{i}-sku", "").strip(),
                price=data.get(f"variants-{i}-price", "").strip(),
                compare_at_price=data.get(f"variants-{i}-compare_at_price", "").strip(),
                weight_grams=data.get(f"variants-{i}-weight_grams", "").strip(),
                stock_quantity=data.get(f"variants-{i}-stock_quantity", "").strip(),
                stock_seen=seen.get(json.dumps([v.strip() for v in key]), ""),
                track_stock=bool(data.get(f"variants-{i}-track_stock")),
                continue_selling=bool(data.get(f"variants-{i}-continue_selling")),
                image_id=data.get(f"variants-{i}-image_id", "").strip(),
            )
        )
    return rows


def stock_seen_json(rows: list[VariantRow]) -> str:
    """The stock the page shows per saved variant, by combination, for the form's one hidden `stock_seen` field.

    One field for the whole table rather than one per row: a 100-variant
    product already sends nearly as many fields as Django accepts.
    """
    return json.dumps({row.key_json: row.stock_seen for row in rows if row.stock_seen})


def stock_seen_from_post(data: QueryDict) -> dict[str, str]:
    """The `stock_seen` map as sent (combination JSON -> stock text); empty when it is missing or malformed."""
    try:
        seen = json.loads(data.get("stock_seen", "") or "{}")
    except ValueError:
        return {}
    if not isinstance(seen, dict):
        return {}
    return {str(key): str(value) for key, value in seen.items() if isinstance(value, (str, int))}


def combination_count(options: list[OptionRow]) -> int:
    return math.prod(len(dict.fromkeys(o.values)) for o in options if o.values)


def combinations(options: list[OptionRow]) -> list[tuple[str, ...]]:
    """Every combination of the options' values, first option outermost; [()] without options.

    An option without values is left out here (the service reports it), so
    the other options still show their rows. At most MAX_VARIANTS + 1 are
    made: enough for the service to say "too many", while three options of
    a hundred values cannot make a million rows.
    """
    value_lists = [list(dict.fromkeys(o.values)) for o in options if o.values]
    return list(itertools.islice(itertools.product(*value_lists), MAX_VARIANTS + 1))


def rows_for_options(
    options: list[OptionRow], posted: list[VariantRow], saved: list[VariantRow] | None = None
) -> list[VariantRow]:
    """One row per combination of the options.

    A combination takes the row sent for it; without one, its saved variant's
    values (`saved`, the product's variants as rows); only a combination the
    product never had starts blank, at the first row's price. So a row whose
    key was lost or forged is ignored without resetting the saved variant it
    stood for, and a value taken out and typed back brings its variant back
    (as the page's script does). A combination sent on two rows keeps the first,
    with an error under "key": which one is right cannot be told.
    """
    by_key: dict[tuple[str, ...], VariantRow] = {}
    repeated: set[tuple[str, ...]] = set()
    for row in posted:
        if row.key in by_key:
            repeated.add(row.key)
        else:
            by_key[row.key] = row
    saved_by_key = {row.key: row for row in saved or []}
    first_price = posted[0].price if posted else ""
    rows = []
    for combo in combinations(options):
        row = by_key.get(combo) or saved_by_key.get(combo) or VariantRow(key=combo, price=first_price)
        if combo in repeated:
            row.errors.setdefault("key", []).append(REPEATED_ROW)
        rows.append(row)
    return rows


def key_errors(rows: list[VariantRow]) -> bool:
    """Whether a row has a problem with its combination found before the service is asked (see rows_for_options)."""
    return any("key" in row.errors for row in rows)


def product_input(form: ProductForm, options: list[OptionRow], rows: list[VariantRow]) -> ProductInput:
    data = form.cleaned_data
    return ProductInput(
        title=data["title"],
        handle=data["handle"],
        description_html=data["description_html"],
        vendor=data["vendor"],
        product_type=data["product_type"],
        tags=split_list(data["tags"]),
        status=data["status"] or ProductStatus.DRAFT,
        seo_title=data["seo_title"],
        seo_description=data["seo_description"],
        options=[OptionInput(name=o.name, values=o.values) for o in options],
        variants=[row.to_input() for row in rows],
    )


# --- errors back onto the page ------------------------------------------------------


def attach_errors(
    exc: ApplicationError, form: forms.Form, rows_by_prefix: dict[str, list[Any]]
) -> dict[str, list[str]]:
    """Put a service's field messages on the form's fields and on row cells.

    `rows_by_prefix` maps a key prefix ("variants", "options", "rules") to the
    rows, in input order, whose `errors` dict takes `<prefix>.<i>.<name>`
    (under "row" when the key names the row only). Returns the messages no
    field or cell shows, by key: "variants" (about the list as a whole), ...
    """
    leftover: dict[str, list[str]] = {}
    # A variant's "choose one value for each option" follows from a broken option; the
    # option's own message says what to fix, so it is not repeated on every row.
    option_broken = any(key.startswith("options") for key in exc.fields)
    for key, messages in exc.fields.items():
        if option_broken and key.startswith("variants.") and key.endswith(".option_values"):
            continue
        prefix, _, rest = key.partition(".")
        index, _, name = rest.partition(".")
        rows = rows_by_prefix.get(prefix)
        if rows is not None and index.isdecimal() and int(index) < len(rows):
            rows[int(index)].errors.setdefault(name or "row", []).extend(messages)
        elif key in form.fields:
            for message in messages:
                form.add_error(key, message)
        else:
            leftover.setdefault(key, []).extend(messages)
    return leftover


# --- collections -------------------------------------------------------------------


class CollectionForm(forms.Form):
    """A collection's own fields, named as in CollectionInput."""

    title = _text(label="Title")
    handle = _text(label="URL handle", help_text="Leave blank to make one from the title.")
    description_html = forms.CharField(
        label="Description", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    kind = forms.CharField(
        label="Kind", required=False, widget=forms.Select(choices=CollectionKind.choices, attrs={"class": "auto"})
    )
    default_sort = forms.CharField(
        label="Default sort",
        required=False,
        widget=forms.Select(choices=CollectionSort.choices, attrs={"class": "auto"}),
    )
    is_published = forms.BooleanField(label="Published on the storefront", required=False)
    is_featured = forms.BooleanField(
        label="Featured on the home page", required=False, help_text="Replaces the store's featured collection."
    )
    seo_title = _text(label="SEO title")
    seo_description = forms.CharField(label="SEO description", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def initial_for(cls, collection: Collection | None) -> dict[str, Any]:
        if collection is None:
            return {"kind": CollectionKind.MANUAL, "default_sort": CollectionSort.FEATURED, "is_published": True}
        return {
            "title": collection.title,
            "handle": collection.handle,
            "description_html": collection.description_html,
            "kind": collection.kind,
            "default_sort": collection.default_sort,
            "is_published": collection.is_published,
            "is_featured": collection.is_featured,
            "seo_title": collection.seo_title,
            "seo_description": collection.seo_description,
        }


@dataclass
class RuleRow:
    field: str = ""
    op: str = ""
    value: str = ""
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not self.value.strip() and not self.field

    @property
    def other_errors(self) -> list[str]:
        return [m for name, messages in self.errors.items() if name not in {"field", "op", "value"} for m in messages]


def rules_from_collection(collection: Collection) -> list[RuleRow]:
    rules = collection.rules if isinstance(collection.rules, list) else []
    return [
        RuleRow(field=str(r.get("field", "")), op=str(r.get("op", "")), value=str(r.get("value", ""))) for r in rules
    ]


def rules_from_post(data: QueryDict) -> list[RuleRow]:
    rows = [
        RuleRow(
            field=data.get(f"rules-{i}-field", "").strip(),
            op=data.get(f"rules-{i}-op", "").strip(),
            value=data.get(f"rules-{i}-value", "").strip(),
        )
        for i in range(MAX_RULES)
    ]
    return [row for row in rows if not row.blank]


def collection_input(form: CollectionForm, rules: list[RuleRow], *, match: str) -> CollectionInput:
    data = form.cleaned_data
    return CollectionInput(
        title=data["title"],
        handle=data["handle"],
        description_html=data["description_html"],
        kind=data["kind"] or CollectionKind.MANUAL,
        rules=[CollectionRule(field=r.field, op=r.op, value=r.value) for r in rules],
        match_all=match != "any",
        default_sort=data["default_sort"] or CollectionSort.FEATURED,
        is_published=data["is_published"],
        is_featured=data["is_featured"],
        seo_title=data["seo_title"],
        seo_description=data["seo_description"],
    )


def padded(rows: list[Any], factory: type, size: int) -> list[Any]:
    """The rows plus blank ones up to `size`, so the page always offers empty rows to fill."""
    return rows + [factory() for _ in range(max(0, size - len(rows)))]


# --- manual collection order -----------------------------------------------------------


def collection_order_from_post(data: QueryDict) -> list[int]:
    """The new order of a manual collection's products from its form.

    The form lists the current products (`product` in order), each with a
    position number, a "remove" checkbox and up/down buttons (`move` =
    "<id>:up"); products ticked in the search results (`add`) go last.
    Values that are not ids are ignored; the service refuses ids of other stores.
    """
    current = _ids(data.getlist("product"))
    removed = set(_ids(data.getlist("remove")))
    keys: dict[int, tuple[int, int, int]] = {}
    for place, product_id in enumerate(current):
        raw = data.get(f"position-{product_id}", "").strip()
        typed = int(raw) if raw.isdecimal() and len(raw) < 7 else place + 1
        # Ties keep the current order, except that a number the merchant changed wins over an untouched one.
        keys[product_id] = (typed, 0 if typed != place + 1 else 1, place)
    order = sorted(current, key=keys.__getitem__)
    order = _apply_move(order, data.get("move", ""))
    order = [pid for pid in order if pid not in removed]
    for product_id in _ids(data.getlist("add")):
        if product_id not in order:
            order.append(product_id)
    return order


def _apply_move(order: list[int], move: str) -> list[int]:
    product_id, _, direction = move.partition(":")
    if not is_id(product_id) or int(product_id) not in order:
        return order
    i = order.index(int(product_id))
    j = i - 1 if direction == "up" else i + 1 if direction == "down" else i
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return order


def _ids(values: list[str]) -> list[int]:
    cleaned = (v.strip() for v in values)
    return list(dict.fromkeys(int(v) for v in cleaned if is_id(v)))


def is_id(value: str) -> bool:
    """A positive database id as text (decimal digits that fit a bigint column)."""
    return value.isdecimal() and 0 < len(value) < 19
