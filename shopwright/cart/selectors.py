"""Reads of carts: finding a shopper's cart and pricing it from the variants.

`cart_priced` is the one read the cart page, the API and (later) checkout
share: one query whatever the number of lines (each line with its variant,
product and image). Prices are always today's variant prices; the cart
stores none.

Both reads of the add-to-cart path are written as SQL: `add_target` built by
the ORM (three subqueries) took 3.3 ms where the SQL takes 0.7 ms, round trip
included, and `cart_priced` went from 2.3 to 0.65 ms for five lines (its
values go through the model fields' converters, as the ORM's would).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model, QuerySet, Sum

from shopwright.cart import pricing
from shopwright.cart.cookies import cart_secret_plausible, cart_token_hash
from shopwright.cart.limits import StockRule, quantity_limit, stock_bound
from shopwright.cart.models import Cart, CartLine
from shopwright.catalog.models import Product, ProductImage, ProductStatus, Variant
from shopwright.core.compiled import Converters, converted_row
from shopwright.customers.models import Customer
from shopwright.stores.models import Store

_M = TypeVar("_M", bound=Model)

# The largest id a database column holds; larger numbers from a URL or a body are simply not found.
MAX_ID = 2**63 - 1


def id_in_range(value: int) -> bool:
    return 0 < value <= MAX_ID


@dataclass(frozen=True)
class PricedLine:
    id: int
    variant_id: int
    product_id: int
    product_handle: str
    product_title: str
    # "Blue / M"; empty for a product without options.
    variant_title: str
    sku: str
    image: ProductImage | None
    unit_price: Decimal
    compare_at_price: Decimal | None
    quantity: int
    total: Decimal
    savings: Decimal
    # False when the product is no longer published: shown, not counted, only removable.
    available: bool
    # The most this line may hold now (stock and platform bound); 0 when sold out.
    max_quantity: int
    # The variant's shipping weight (shipping rates by weight).
    unit_weight_grams: int = 0
    # Whether the variant tracks stock: placing an order takes its units off the count (catalog.stock).
    tracks_stock: bool = True

    @property
    def over_stock(self) -> bool:
        """The stock fell below the quantity after it was added."""
        return self.available and self.quantity > self.max_quantity


@dataclass(frozen=True)
class PricedCart:
    cart_id: int | None
    currency: str
    lines: list[PricedLine]
    subtotal: Decimal
    savings: Decimal
    # Units of available lines: what the header shows.
    count: int

    @property
    def is_empty(self) -> bool:
        return not self.lines


def one_or_none(queryset: QuerySet[_M]) -> _M | None:
    """The one row of a lookup that a unique constraint or a primary key makes single, or None.

    Unlike `.first()` it adds no ORDER BY (nor the model's Meta.ordering): there is nothing to sort.
    """
    return next(iter(queryset.order_by()[:1]), None)


def cart_for_customer(*, store: Store, customer: Customer) -> Cart | None:
    return one_or_none(Cart.objects.filter(store=store, customer=customer))


def cart_for_secret(*, store: Store, secret: str | None) -> Cart | None:
    """The visitor cart behind a cookie's or an API client's secret; None for an unknown one."""
    if not secret or not cart_secret_plausible(secret):
        return None
    return one_or_none(Cart.objects.filter(store=store, customer__isnull=True, token_hash=cart_token_hash(secret)))


def cart_count(*, store: Store, cart_id: int | None) -> int:
    """Units in the cart's lines whose product is still on sale (one query)."""
    if cart_id is None:
        return 0
    total = CartLine.objects.filter(
        store=store, cart_id=cart_id, variant__product__status=ProductStatus.PUBLISHED
    ).aggregate(n=Sum("quantity"))["n"]
    return int(total or 0)


def customer_cart_count(*, store: Store, customer: Customer) -> int:
    """`cart_count` of the customer's cart, found in the same query."""
    total = CartLine.objects.filter(
        store=store, cart__customer=customer, variant__product__status=ProductStatus.PUBLISHED
    ).aggregate(n=Sum("quantity"))["n"]
    return int(total or 0)


@dataclass(frozen=True)
class AddTarget:
    """A variant as an add to cart needs it, and what the cart holds, read together (`add_target`)."""

    variant_id: int
    product_title: str
    product_handle: str
    # "Blue", "M"; empty for a product without options.
    option_values: list[str]
    # The most of the variant one cart may hold now (`limits.quantity_limit`); 0 when sold out.
    limit: int
    # `limit` is the stock left rather than the platform bound (`limits.stock_bound`).
    stock_bound: bool
    # The quantity of the cart's line of this variant; 0 when it has none.
    have: int
    # Lines in the cart, and units of its lines whose product is on sale (what the header shows).
    lines: int
    units: int


# The variant (of this store, its product published) beside one aggregate pass over the cart's lines.
# With no cart (`cart_id` NULL) the aggregate finds no line and answers 0, 0, 0.
_ADD_TARGET_SQL = """
    SELECT v.id, v.option1, v.option2, v.option3, v.stock_quantity, v.track_stock, v.continue_selling,
        p.title, p.handle, c.n_lines, c.units, c.have
    FROM catalog_variant AS v
    INNER JOIN catalog_product AS p ON p.id = v.product_id
    CROSS JOIN (
        SELECT COUNT(*) AS n_lines,
            COALESCE(SUM(CASE WHEN lp.status = %s THEN l.quantity ELSE 0 END), 0) AS units,
            COALESCE(SUM(CASE WHEN l.variant_id = %s THEN l.quantity ELSE 0 END), 0) AS have
        FROM cart_cartline AS l
        INNER JOIN catalog_variant AS lv ON lv.id = l.variant_id
        INNER JOIN catalog_product AS lp ON lp.id = lv.product_id
        WHERE l.store_id = %s AND l.cart_id = %s
    ) AS c
    WHERE v.store_id = %s AND v.id = %s AND p.status = %s
"""


def _stock_rule(stock: int, track: Any, oversell: Any) -> StockRule:
    """The stock fields the one rule in cart.limits reads (SQLite answers booleans as 0/1)."""
    return StockRule(stock, bool(track), bool(oversell))


def add_target(*, store: Store, variant_id: int, cart_id: int | None) -> AddTarget | None:
    """The variant to add, if it is this store's and its product is published (else None), with the
    cart's line of it, its line count and its units, in one statement.

    Run it after locking the cart (cart.services): what it reads of the
    cart then stays true until the write commits.
    """
    if not id_in_range(variant_id):
        return None
    published: str = ProductStatus.PUBLISHED.value
    params: list[str | int | None] = [published, variant_id, store.pk, cart_id, store.pk, variant_id, published]
    with connection.cursor() as cursor:
        cursor.execute(_ADD_TARGET_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    found_id, option1, option2, option3, stock, track, oversell, title, handle, lines, units, have = row
    stock_fields = _stock_rule(stock, track, oversell)
    return AddTarget(
        variant_id=found_id,
        product_title=title,
        product_handle=handle,
        option_values=[value for value in (option1, option2, option3) if value],
        limit=quantity_limit(stock_fields),
        stock_bound=stock_bound(stock_fields),
        have=int(have),
        lines=int(lines),
        units=int(units),
    )


def cart_line_get(*, store: Store, cart: Cart | None, line_id: int) -> CartLine | None:
    """A line of this cart, with its variant and product; None for another cart's line."""
    if cart is None or not id_in_range(line_id):
        return None
    return one_or_none(CartLine.objects.select_related("variant__product").filter(store=store, cart=cart, pk=line_id))


# The priced cart in one statement: each line with its variant, its product and its image (the
# variant's own, else the product's first), in the order the lines were added.
_PRICED_SQL = """
    SELECT l.id, l.quantity,
        v.id, v.option1, v.option2, v.option3, v.sku, v.price, v.compare_at_price,
        v.stock_quantity, v.track_stock, v.continue_selling, v.weight_grams,
        p.id, p.handle, p.title, p.status,
        i.id, i.store_id, i.product_id, i.position, i.alt, i.renditions, i.width, i.height, i.created_at
    FROM cart_cartline AS l
    INNER JOIN catalog_variant AS v ON v.id = l.variant_id
    INNER JOIN catalog_product AS p ON p.id = v.product_id
    LEFT JOIN catalog_productimage AS i ON i.store_id = %s AND i.id = COALESCE(v.image_id, (
        SELECT f.id FROM catalog_productimage AS f
        WHERE f.store_id = %s AND f.product_id = v.product_id
        ORDER BY f.position, f.id
        LIMIT 1
    ))
    WHERE l.store_id = %s AND l.cart_id = %s
    ORDER BY l.created_at, l.id
"""
_IMAGE_FIELDS = ("id", "store_id", "product_id", "position", "alt", "renditions", "width", "height", "created_at")
# The model field of each column above, so each value is converted as the ORM would (SQLite's decimals,
# booleans and datetimes, JSON).
_PRICED_FIELDS: tuple[tuple[type[Model], str], ...] = (
    (CartLine, "id"),
    (CartLine, "quantity"),
    *((Variant, name) for name in ("id", "option1", "option2", "option3", "sku", "price", "compare_at_price")),
    *((Variant, name) for name in ("stock_quantity", "track_stock", "continue_selling", "weight_grams")),
    *((Product, name) for name in ("id", "handle", "title", "status")),
    *((ProductImage, name) for name in _IMAGE_FIELDS),
)


def _converted_rows(rows: list[tuple[Any, ...]], fields: tuple[tuple[type[Model], str], ...]) -> list[list[Any]]:
    """Rows of a hand-written query with each value converted by its model field's database converters."""
    db = connections[DEFAULT_DB_ALIAS]
    converters: list[tuple[int, tuple[Any, ...], Any]] = []
    for index, (model, name) in enumerate(fields):
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        column = field.get_col(model._meta.db_table)
        found = db.ops.get_db_converters(column) + column.get_db_converters(db)
        if found:
            converters.append((index, tuple(found), column))
    conversions: Converters = tuple(converters)
    return [converted_row(row, conversions, db) for row in rows]


def cart_priced(*, store: Store, cart: Cart | None) -> PricedCart:
    """The cart with today's prices, line totals, savings and count. One query.

    Every amount has the currency's minor-unit places, empty cart or not ("0.00", "1200" in JPY).
    The query is written out: built by the ORM (a select_related, an image subquery, then the
    images) the same read took three times as long, most of it Python.
    """
    currency = store.currency

    def money(amount: Decimal) -> Decimal:
        return pricing.in_minor_units(amount, currency)

    if cart is None:
        return PricedCart(None, currency, [], money(pricing.ZERO), money(pricing.ZERO), 0)
    with connection.cursor() as cursor:
        cursor.execute(_PRICED_SQL, [store.pk, store.pk, store.pk, cart.pk])
        rows = _converted_rows(cursor.fetchall(), _PRICED_FIELDS)

    lines = []
    for row in rows:
        line_id, quantity, variant_id, option1, option2, option3, sku, price, compare_at = row[:9]
        stock, track, oversell, weight, product_id, handle, title, status = row[9:17]
        image = ProductImage.from_db(connection.alias, _IMAGE_FIELDS, row[17:]) if row[17] is not None else None
        available = status == ProductStatus.PUBLISHED
        lines.append(
            PricedLine(
                id=line_id,
                variant_id=variant_id,
                product_id=product_id,
                product_handle=handle,
                product_title=title,
                variant_title=" / ".join(value for value in (option1, option2, option3) if value),
                sku=sku,
                image=image,
                unit_price=money(price),
                compare_at_price=money(compare_at) if compare_at is not None else None,
                quantity=quantity,
                total=money(pricing.line_total(unit_price=price, quantity=quantity)),
                savings=money(pricing.line_savings(unit_price=price, compare_at_price=compare_at, quantity=quantity)),
                available=available,
                max_quantity=quantity_limit(_stock_rule(stock, track, oversell)) if available else 0,
                unit_weight_grams=weight,
                tracks_stock=bool(track),
            )
        )
    on_sale = [line for line in lines if line.available]
    return PricedCart(
        cart_id=cart.pk,
        currency=currency,
        lines=lines,
        subtotal=money(pricing.subtotal(line.total for line in on_sale)),
        savings=money(pricing.subtotal(line.savings for line in on_sale)),
        count=sum(line.quantity for line in on_sale),
    )
