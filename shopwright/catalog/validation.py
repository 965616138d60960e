"""Cleaning and checking what a merchant typed for a product or collection, before anything is written.

`clean_product` turns a `ProductInput` into a `CleanProduct` (and
`clean_collection` a `CollectionInput` into a `CleanCollection`) or raises one
ApplicationError listing every problem, keyed as the forms and the API show
them (`title`, `options.0.name`, `variants.3.price`). It reads the database
(handles and SKUs already taken in the store) but never writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import slugify

from shopwright.catalog.inputs import CollectionInput, CollectionRule, OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import (
    MAX_OPTIONS,
    MAX_VARIANTS,
    Collection,
    CollectionKind,
    CollectionSort,
    Product,
    ProductImage,
    ProductStatus,
    Variant,
)
from shopwright.catalog.money import currency_places
from shopwright.catalog.sanitise import sanitise_html
from shopwright.core.validation import FieldErrors, clean_choice, clean_text
from shopwright.stores.models import Store

MAX_HANDLE_LENGTH = 100
MAX_TAGS = 30
# 30 tags of 32 characters joined as "|a|b|" fit the 1,000-character column.
MAX_TAG_LENGTH = 32
MAX_OPTION_VALUES = 100
MAX_DESCRIPTION_LENGTH = 100_000
MAX_MONEY = Decimal("9999999999.99")
MAX_QUANTITY = 1_000_000_000
HANDLE_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Plain decimal notation only: no exponent ("1e5"), no "NaN"/"Infinity", no thousands separators.
_MONEY_RE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_INT_RE = re.compile(r"-?\d+")


@dataclass(frozen=True)
class CleanVariant:
    option_values: tuple[str, ...]
    sku: str
    price: Decimal
    compare_at_price: Decimal | None
    weight_grams: int
    stock_quantity: int
    # What the caller showed for this variant's stock (VariantInput.stock_seen); None: write the stock as given.
    stock_seen: int | None
    track_stock: bool
    continue_selling: bool
    image_id: int | None

    @property
    def stock_changed(self) -> bool:
        """Whether this variant's stock is to be written: always without `stock_seen`, else when it was changed."""
        return self.stock_seen is None or self.stock_quantity != self.stock_seen


@dataclass(frozen=True)
class CleanOption:
    name: str
    values: list[str]


@dataclass(frozen=True)
class CleanProduct:
    title: str
    # Empty when the caller left it blank: the service makes one from the title (create) or keeps the old one.
    handle: str
    description_html: str
    vendor: str
    product_type: str
    tags: list[str]
    status: str
    seo_title: str
    seo_description: str
    options: list[CleanOption]
    variants: list[CleanVariant]


def store_currency_places(store: Store) -> int:
    """Decimal places allowed for the store's currency (0 for JPY), capped by the money columns."""
    return currency_places(store.currency)


def clean_money(
    value: Any, errors: FieldErrors, field: str, *, places: int, label: str, required: bool = True
) -> Decimal | None:
    """A non-negative amount with at most `places` decimals (trailing zeros are fine), or None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, f"Enter {label}.")
        return None
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        errors.add(field, f"Enter {label} as a number such as 12.50.")
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 32 or not _MONEY_RE.fullmatch(text):
            errors.add(field, f"Enter {label} as a number such as 12.50.")
            return None
        amount = Decimal(text)
    else:
        amount = Decimal(value)
        if not amount.is_finite():
            errors.add(field, f"Enter {label} as a number such as 12.50.")
            return None
    if amount < 0:
        errors.add(field, f"{label[0].upper()}{label[1:]} cannot be below zero.")
        return None
    if amount > MAX_MONEY:
        errors.add(field, f"{label[0].upper()}{label[1:]} is at most {MAX_MONEY:,}.")
        return None
    try:
        rounded = amount.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        rounded = None
    if rounded != amount:
        if places == 0:
            errors.add(field, f"{label[0].upper()}{label[1:]} is a whole amount in this currency (no decimals).")
        else:
            errors.add(field, f"{label[0].upper()}{label[1:]} has at most {places} decimal places.")
        return None
    return rounded


def clean_count(value: Any, errors: FieldErrors, field: str, *, label: str) -> int:
    """A whole number from 0 up; blank is 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and len(value.strip()) <= 12 and _INT_RE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        number = None
    if number is None:
        errors.add(field, f"Enter {label} as a whole number.")
        return 0
    if number < 0:
        errors.add(field, f"{label[0].upper()}{label[1:]} cannot be below zero.")
        return 0
    if number > MAX_QUANTITY:
        errors.add(field, f"{label[0].upper()}{label[1:]} is at most {MAX_QUANTITY:,}.")
        return 0
    return number


def clean_handle(value: Any, errors: FieldErrors, field: str = "handle") -> str:
    """A URL handle as typed (lower-cased), or "" when blank; format errors go to `field`."""
    handle = str(value or "").strip().lower()
    if not handle:
        return ""
    if len(handle) > MAX_HANDLE_LENGTH:
        errors.add(field, f"A handle has at most {MAX_HANDLE_LENGTH} characters.")
        return ""
    if not HANDLE_RE.fullmatch(handle):
        errors.add(field, "Use lower-case letters, digits and single hyphens, for example summer-shirt.")
        return ""
    return handle


def handle_base(title: str, *, fallback: str) -> str:
    """The slug a blank handle starts from; room is left for a "-123" suffix."""
    base = slugify(title)[: MAX_HANDLE_LENGTH - 8].strip("-")
    return base or fallback


def clean_tags(value: Any, errors: FieldErrors, field: str = "tags") -> list[str]:
    """Trimmed, lower-cased, de-duplicated tags in the order given."""
    raw = value.split(",") if isinstance(value, str) else list(value or [])
    tags: list[str] = []
    for item in raw:
        tag = " ".join(str(item or "").split()).lower()
        if not tag:
            continue
        if "|" in tag:
            errors.add(field, 'A tag cannot contain "|".')
            return []
        if len(tag) > MAX_TAG_LENGTH or any(ord(c) < 32 for c in tag):
            errors.add(field, f"A tag has at most {MAX_TAG_LENGTH} characters.")
            return []
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        errors.add(field, f"A product has at most {MAX_TAGS} tags.")
        return []
    return tags


def tags_text(tags: list[str]) -> str:
    return f"|{'|'.join(tags)}|" if tags else ""


def _clean_options(options: list[OptionInput], errors: FieldErrors) -> list[CleanOption] | None:
    """The options, or None when any is invalid (variants are then not checked against them)."""
    if len(options) > MAX_OPTIONS:
        errors.add("options", f"A product has at most {MAX_OPTIONS} options.")
        return None
    ok = True
    cleaned: list[CleanOption] = []
    seen_names: set[str] = set()
    for i, option in enumerate(options):
        name = clean_text(option.name, errors, f"options.{i}.name", label="an option name", max_length=50)
        if name and name.casefold() in seen_names:
            errors.add(f"options.{i}.name", "Two options have the same name.")
            name = ""
        ok = ok and bool(name)
        seen_names.add(name.casefold())
        values_field = f"options.{i}.values"
        values: list[str] = []
        raw_values = list(option.values or [])
        if not any(str(v or "").strip() for v in raw_values):
            errors.add(values_field, "Enter at least one value.")
            ok = False
        elif len(raw_values) > MAX_OPTION_VALUES:
            errors.add(values_field, f"An option has at most {MAX_OPTION_VALUES} values.")
            ok = False
        else:
            for raw in raw_values:
                sub = FieldErrors()
                value = clean_text(raw, sub, values_field, label="an option value", max_length=100)
                if sub:
                    errors.fields.setdefault(values_field, []).extend(sub.fields[values_field])
                    ok = False
                    break
                if value.casefold() in {v.casefold() for v in values}:
                    errors.add(values_field, f'The value "{value}" is listed twice.')
                    ok = False
                    break
                values.append(value)
        cleaned.append(CleanOption(name=name, values=values))
    return cleaned if ok else None


def _clean_variant(
    i: int,
    variant: VariantInput,
    errors: FieldErrors,
    *,
    options: list[CleanOption] | None,
    places: int,
    image_ids: set[int],
) -> CleanVariant:
    prefix = f"variants.{i}"
    option_values: tuple[str, ...] = ()
    if options is not None:
        given = [" ".join(str(v or "").split()) for v in (variant.option_values or [])]
        if len(given) != len(options):
            errors.add(f"{prefix}.option_values", f"Choose one value for each of the {len(options)} options.")
        else:
            chosen: list[str] = []
            for option, value in zip(options, given, strict=True):
                match = next((v for v in option.values if v.casefold() == value.casefold()), None)
                if match is None:
                    errors.add(f"{prefix}.option_values", f'"{value}" is not a value of {option.name}.')
                    break
                chosen.append(match)
            else:
                option_values = tuple(chosen)
    sku = clean_text(variant.sku, errors, f"{prefix}.sku", label="a SKU", max_length=64, required=False)
    price = clean_money(variant.price, errors, f"{prefix}.price", places=places, label="the price")
    compare_at = clean_money(
        variant.compare_at_price,
        errors,
        f"{prefix}.compare_at_price",
        places=places,
        label="the compare-at price",
        required=False,
    )
    weight = clean_count(variant.weight_grams, errors, f"{prefix}.weight_grams", label="the weight")
    seen = _clean_stock_seen(variant.stock_seen, errors, f"{prefix}.stock_quantity")
    if seen is not None and _same_number(variant.stock_quantity, seen):
        # Left as shown: never written, so a stock sold below zero (continue selling) is not "an error" to fix.
        stock = seen
    else:
        stock = clean_count(variant.stock_quantity, errors, f"{prefix}.stock_quantity", label="the stock quantity")
    image_id = variant.image_id
    # bool is an int subclass: True must not pass as image 1.
    bad_image = isinstance(image_id, bool) or not isinstance(image_id, int) or image_id not in image_ids
    if image_id is not None and bad_image:
        errors.add(f"{prefix}.image_id", "Choose one of this product's images.")
        image_id = None
    return CleanVariant(
        option_values=option_values,
        sku=sku,
        price=price if price is not None else Decimal(0),
        compare_at_price=compare_at,
        weight_grams=weight,
        stock_quantity=stock,
        stock_seen=seen,
        track_stock=bool(variant.track_stock),
        continue_selling=bool(variant.continue_selling),
        image_id=image_id,
    )


def _clean_stock_seen(value: Any, errors: FieldErrors, field: str) -> int | None:
    """The stock a page showed (it may be below zero when overselling is allowed); None when not given.

    Pages send it in a hidden field, so a value that is not a whole number was not sent by one of them.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number: int | None = value
    elif isinstance(value, str) and len(value.strip()) <= 12 and _INT_RE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        number = None
    if number is None or abs(number) > MAX_QUANTITY:
        errors.add(field, "Reload the page to see the current stock, then save again.")
        return None
    return number


def _same_number(value: Any, number: int) -> bool:
    """Whether a typed stock is `number` (the page's own rendering of it, give or take spaces)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value == number
    return isinstance(value, str) and value.strip() == str(number)


def clean_product(*, store: Store, data: ProductInput, product: Product | None = None) -> CleanProduct:
    """Check everything; raise ApplicationError with every problem, or return the cleaned values.

    `product` is the product being updated (None when creating): its own
    handle, SKUs and images are allowed.
    """
    errors = FieldErrors()
    title = clean_text(data.title, errors, "title", label="a title", max_length=200)
    handle = clean_handle(data.handle, errors)
    if handle and handle_taken(store=store, handle=handle, product=product):
        errors.add("handle", "Another product already uses this handle.")
    description = str(data.description_html or "")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        errors.add("description_html", f"The description has at most {MAX_DESCRIPTION_LENGTH:,} characters.")
        description = ""
    vendor = clean_text(data.vendor, errors, "vendor", label="a vendor", max_length=100, required=False)
    product_type = clean_text(
        data.product_type, errors, "product_type", label="a product type", max_length=100, required=False
    )
    tags = clean_tags(data.tags, errors)
    status = clean_choice(data.status, errors, "status", choices=ProductStatus.choices, label="a status")
    seo_title = clean_text(data.seo_title, errors, "seo_title", label="an SEO title", max_length=70, required=False)
    seo_description = clean_text(
        data.seo_description, errors, "seo_description", label="an SEO description", max_length=320, required=False
    )
    options = _clean_options(list(data.options or []), errors)

    raw_variants = list(data.variants or [])
    variants: list[CleanVariant] = []
    if not raw_variants:
        errors.add("variants", "Add at least one variant.")
    elif len(raw_variants) > MAX_VARIANTS:
        errors.add("variants", f"A product has at most {MAX_VARIANTS} variants.")
    else:
        image_ids = _image_ids(store=store, product=product)
        places = store_currency_places(store)
        variants = [
            _clean_variant(i, v, errors, options=options, places=places, image_ids=image_ids)
            for i, v in enumerate(raw_variants)
        ]
        _check_variants_unique(store=store, variants=variants, errors=errors, product=product, options=options)

    errors.raise_if_any()
    return CleanProduct(
        title=title,
        handle=handle,
        description_html=sanitise_html(description),
        vendor=vendor,
        product_type=product_type,
        tags=tags,
        status=status,
        seo_title=seo_title,
        seo_description=seo_description,
        options=options or [],
        variants=variants,
    )


def _image_ids(*, store: Store, product: Product | None) -> set[int]:
    if product is None:
        return set()
    return set(ProductImage.objects.filter(store=store, product=product).values_list("pk", flat=True))


def _check_variants_unique(
    *,
    store: Store,
    variants: list[CleanVariant],
    errors: FieldErrors,
    product: Product | None,
    options: list[CleanOption] | None,
) -> None:
    """Combinations unique in the product; SKUs unique in the input and in the store."""
    if options is not None:
        combos: set[tuple[str, ...]] = set()
        for i, variant in enumerate(variants):
            if len(variant.option_values) != len(options):
                continue  # already reported
            key = tuple(v.casefold() for v in variant.option_values)
            if key in combos:
                if options:
                    errors.add(f"variants.{i}.option_values", "Another variant has the same option values.")
                else:
                    errors.add("variants", "A product without options has exactly one variant.")
            combos.add(key)
    seen: dict[str, int] = {}
    for i, variant in enumerate(variants):
        if not variant.sku:
            continue
        if variant.sku in seen:
            errors.add(f"variants.{i}.sku", f"Variant {seen[variant.sku] + 1} already has this SKU.")
        else:
            seen[variant.sku] = i
    if seen:
        # `.exclude(sku="")` repeats the unique index's condition, so SQLite can use that
        # partial index instead of reading every variant of the store (it cannot infer it).
        taken = Variant.objects.filter(store=store, sku__in=list(seen)).exclude(sku="")
        if product is not None:
            taken = taken.exclude(product_id=product.pk)
        for sku in taken.values_list("sku", flat=True):
            errors.add(f"variants.{seen[sku]}.sku", "Another product already uses this SKU.")


def handle_taken(*, store: Store, handle: str, product: Product | None) -> bool:
    query = Product.objects.filter(store=store, handle=handle)
    if product is not None:
        query = query.exclude(pk=product.pk)
    return query.exists()


def skus_taken(*, store: Store, skus: list[str], product: Product | None) -> list[str]:
    query = Variant.objects.filter(store=store, sku__in=[s for s in skus if s]).exclude(sku="")  # see above
    if product is not None:
        query = query.exclude(product_id=product.pk)
    return list(query.values_list("sku", flat=True))


# --- collections ------------------------------------------------------------------------

MAX_RULES = 10
TEXT_RULE_FIELDS = ("tag", "type", "vendor")
TEXT_RULE_OPS = ("equals", "not_equals")
PRICE_RULE_OPS = ("gt", "lt")


@dataclass(frozen=True)
class CleanCollection:
    title: str
    handle: str
    description_html: str
    kind: str
    rules: list[dict[str, str]]
    match_all: bool
    default_sort: str
    is_published: bool
    is_featured: bool
    seo_title: str
    seo_description: str


def _rule_parts(rule: Any) -> tuple[Any, Any, Any]:
    """Field, op and value of a CollectionRule or of a {"field", "op", "value"} mapping."""
    if isinstance(rule, CollectionRule):
        return rule.field, rule.op, rule.value
    if isinstance(rule, dict):
        return rule.get("field"), rule.get("op"), rule.get("value")
    return None, None, None


def _clean_rule(i: int, rule: Any, errors: FieldErrors, *, places: int) -> dict[str, str] | None:
    prefix = f"rules.{i}"
    raw_field, raw_op, raw_value = _rule_parts(rule)
    field = str(raw_field or "").strip()
    op = str(raw_op or "").strip()
    if field not in (*TEXT_RULE_FIELDS, "price"):
        errors.add(f"{prefix}.field", "Choose tag, type, vendor or price.")
        return None
    if field == "price":
        if op not in PRICE_RULE_OPS:
            errors.add(f"{prefix}.op", 'A price rule is "greater than" or "less than".')
            return None
        amount = clean_money(raw_value, errors, f"{prefix}.value", places=places, label="a price")
        return None if amount is None else {"field": field, "op": op, "value": str(amount)}
    if op not in TEXT_RULE_OPS:
        errors.add(f"{prefix}.op", 'A tag, type or vendor rule is "is" or "is not".')
        return None
    if field == "tag":
        sub = FieldErrors()
        tags = clean_tags([raw_value], sub, f"{prefix}.value")
        if sub or not tags:
            errors.add(f"{prefix}.value", (sub.fields.get(f"{prefix}.value") or ["Enter a tag."])[0])
            return None
        return {"field": field, "op": op, "value": tags[0]}
    value = clean_text(raw_value, errors, f"{prefix}.value", label="a value", max_length=100)
    return {"field": field, "op": op, "value": value} if value else None


def clean_collection(*, store: Store, data: CollectionInput, collection: Collection | None = None) -> CleanCollection:
    """Check everything; raise ApplicationError with every problem, or return the cleaned values."""
    errors = FieldErrors()
    title = clean_text(data.title, errors, "title", label="a title", max_length=200)
    handle = clean_handle(data.handle, errors)
    if handle and collection_handle_taken(store=store, handle=handle, collection=collection):
        errors.add("handle", "Another collection already uses this handle.")
    description = str(data.description_html or "")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        errors.add("description_html", f"The description has at most {MAX_DESCRIPTION_LENGTH:,} characters.")
        description = ""
    kind = clean_choice(data.kind, errors, "kind", choices=CollectionKind.choices, label="a kind")
    default_sort = clean_choice(
        data.default_sort, errors, "default_sort", choices=CollectionSort.choices, label="a sort order"
    )
    seo_title = clean_text(data.seo_title, errors, "seo_title", label="an SEO title", max_length=70, required=False)
    seo_description = clean_text(
        data.seo_description, errors, "seo_description", label="an SEO description", max_length=320, required=False
    )
    raw_rules = list(data.rules or [])
    rules: list[dict[str, str]] = []
    if kind == CollectionKind.MANUAL and raw_rules:
        errors.add("rules", "A manual collection has no rules; choose automatic to use rules.")
    elif kind == CollectionKind.AUTOMATIC:
        if not raw_rules:
            errors.add("rules", "Add at least one rule.")
        elif len(raw_rules) > MAX_RULES:
            errors.add("rules", f"A collection has at most {MAX_RULES} rules.")
        else:
            places = store_currency_places(store)
            cleaned = [_clean_rule(i, rule, errors, places=places) for i, rule in enumerate(raw_rules)]
            rules = [r for r in cleaned if r is not None]
    errors.raise_if_any()
    return CleanCollection(
        title=title,
        handle=handle,
        description_html=sanitise_html(description),
        kind=kind,
        rules=rules,
        match_all=bool(data.match_all),
        default_sort=default_sort,
        is_published=bool(data.is_published),
        is_featured=bool(data.is_featured),
        seo_title=seo_title,
        seo_description=seo_description,
    )


def collection_handle_taken(*, store: Store, handle: str, collection: Collection | None) -> bool:
    query = Collection.objects.filter(store=store, handle=handle)
    if collection is not None:
        query = query.exclude(pk=collection.pk)
    return query.exists()
