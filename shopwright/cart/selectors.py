"""Reads of carts: finding a shopper's cart and pricing it from the variants.

`cart_priced` is the one read the cart page, the API and (later) checkout
share: two queries whatever the number of lines (the lines with their
variants and products, then their images). Prices are always today's
variant prices; the cart stores none.

`add_target` is the read of an add to cart, on its hot path: one statement,
written as SQL because built by the ORM (three subqueries) it took 3.3 ms
where the SQL takes 0.7 ms, round trip included.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import OuterRef, Subquery, Sum

from shopwright.cart import pricing
from shopwright.cart.cookies import cart_secret_plausible, cart_token_hash
from shopwright.cart.limits import quantity_limit, stock_bound
from shopwright.cart.models import Cart, CartLine
from shopwright.catalog.models import ProductImage, ProductStatus, Variant
from shopwright.customers.models import Customer
from shopwright.stores.models import Store

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


def cart_for_customer(*, store: Store, customer: Customer) -> Cart | None:
    return Cart.objects.filter(store=store, customer=customer).first()


def cart_for_secret(*, store: Store, secret: str | None) -> Cart | None:
    """The visitor cart behind a cookie's or an API client's secret; None for an unknown one."""
    if not secret or not cart_secret_plausible(secret):
        return None
    return Cart.objects.filter(store=store, customer__isnull=True, token_hash=cart_token_hash(secret)).first()


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
    # An unsaved variant with the three stock fields, so the one rule in cart.limits decides.
    stock_fields = Variant(stock_quantity=stock, track_stock=bool(track), continue_selling=bool(oversell))
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
    return CartLine.objects.select_related("variant__product").filter(store=store, cart=cart, pk=line_id).first()


def cart_priced(*, store: Store, cart: Cart | None) -> PricedCart:
    """The cart with today's prices, line totals, savings and count. Two queries at most.

    Every amount has the currency's minor-unit places, empty cart or not ("0.00", "1200" in JPY).
    """
    currency = store.currency

    def money(amount: Decimal) -> Decimal:
        return pricing.in_minor_units(amount, currency)

    if cart is None:
        return PricedCart(None, currency, [], money(pricing.ZERO), money(pricing.ZERO), 0)
    first_image = ProductImage.objects.filter(store=store, product=OuterRef("variant__product_id")).order_by(
        "position", "id"
    )
    rows = list(
        CartLine.objects.filter(store=store, cart=cart)
        .select_related("variant__product")
        .annotate(first_image_id=Subquery(first_image.values("id")[:1]))
        .order_by("created_at", "id")
    )
    wanted = {row.variant.image_id or row.first_image_id for row in rows}
    wanted.discard(None)
    images = {image.pk: image for image in ProductImage.objects.filter(store=store, pk__in=wanted)} if wanted else {}

    lines = []
    for row in rows:
        variant, product = row.variant, row.variant.product
        available = product.status == ProductStatus.PUBLISHED
        lines.append(
            PricedLine(
                id=row.pk,
                variant_id=variant.pk,
                product_id=product.pk,
                product_handle=product.handle,
                product_title=product.title,
                variant_title=" / ".join(variant.option_values),
                sku=variant.sku,
                image=images.get(variant.image_id or row.first_image_id),
                unit_price=money(variant.price),
                compare_at_price=money(variant.compare_at_price) if variant.compare_at_price is not None else None,
                quantity=row.quantity,
                total=money(pricing.line_total(unit_price=variant.price, quantity=row.quantity)),
                savings=money(
                    pricing.line_savings(
                        unit_price=variant.price, compare_at_price=variant.compare_at_price, quantity=row.quantity
                    )
                ),
                available=available,
                max_quantity=quantity_limit(variant) if available else 0,
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
