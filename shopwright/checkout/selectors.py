"""Reads of a checkout: the one priced view of it that pages, the API and order placement share.

Following Saleor's checkout/fetch.py: the expensive read is built once
(the cart in one query, shipping in two, the tax rate in one) into one
typed object, and placing the order uses that object instead of reading
again. The money maths are pure functions (cart.pricing, shipping.rates,
taxes.calculations).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from shopwright.cart import pricing
from shopwright.cart.cookies import cart_secret_plausible, cart_token_hash
from shopwright.cart.models import Cart
from shopwright.cart.selectors import PricedCart, PricedLine, cart_priced
from shopwright.catalog.models import MONEY_DIGITS, MONEY_PLACES
from shopwright.checkout.models import Checkout
from shopwright.core.addresses import country_name
from shopwright.core.compiled import CompiledRead, RawRead
from shopwright.core.store_cache import store_config_pair
from shopwright.shipping.selectors import ShippingOffer, shipping_config_entry, shipping_offer_in
from shopwright.taxes.calculations import taxes_for
from shopwright.taxes.selectors import tax_rate_in, tax_rates_entry

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from shopwright.customers.models import Customer
    from shopwright.stores.models import Store
    from shopwright.taxes.models import TaxRate


# --- finding a shopper's checkout ---------------------------------------------------------------
#
# Every checkout request starts here, so the shopper's cart and its checkout are read in one
# statement: the cart by the secret's hash (a visitor) or by its customer, joined with its checkout.
# The join starts from the cart, so a cart without a checkout yet (the first visit) is still found.


@dataclass(frozen=True)
class ShopperCheckout:
    """A shopper's cart, and its checkout as stored; None before the checkout's first use."""

    cart_id: int
    checkout: Checkout | None


# Every column of the checkout (a test checks none is missing), but the cart's own id: with no
# checkout yet the LEFT JOIN leaves the checkout's columns empty (id NULL) and only the cart is found.
_VISITOR_CHECKOUT_SQL = """
    SELECT k.id, k.store_id, c.id AS cart_id, k.customer_id, k.email, k.phone, k.extra_phone, k.delivery_time,
        k.shipping_address, k.billing_address, k.shipping_method_id, k.reviewed_signature, k.order_id,
        k.created_at, k.updated_at
    FROM cart_cart AS c
    LEFT JOIN checkout_checkout AS k ON k.store_id = c.store_id AND k.cart_id = c.id
    WHERE c.store_id = %s AND c.customer_id IS NULL AND c.token_hash = %s
"""
_CUSTOMER_CHECKOUT_SQL = """
    SELECT k.id, k.store_id, c.id AS cart_id, k.customer_id, k.email, k.phone, k.extra_phone, k.delivery_time,
        k.shipping_address, k.billing_address, k.shipping_method_id, k.reviewed_signature, k.order_id,
        k.created_at, k.updated_at
    FROM cart_cart AS c
    LEFT JOIN checkout_checkout AS k ON k.store_id = c.store_id AND k.cart_id = c.id
    WHERE c.store_id = %s AND c.customer_id = %s
"""

_VISITOR_CHECKOUT = RawRead(Checkout, _VISITOR_CHECKOUT_SQL, name="a visitor's cart and checkout")
_CUSTOMER_CHECKOUT = RawRead(Checkout, _CUSTOMER_CHECKOUT_SQL, name="a customer's cart and checkout")


def shopper_checkout(*, store: Store, customer: Customer | None, secret: str | None) -> ShopperCheckout | None:
    """The cart of a signed-in `customer`, else of the visitor holding `secret`, with its checkout (one query).

    None when the shopper has no cart in this store: no secret, a secret that
    is not one of ours, another store's cart, or a customer who never added.
    """
    # Each row converted as the ORM would (the encrypted fields decrypted), with the conversions worked out once.
    if customer is not None:
        row = _CUSTOMER_CHECKOUT.first([store.pk, customer.pk])
    elif secret and cart_secret_plausible(secret):
        row = _VISITOR_CHECKOUT.first([store.pk, cart_token_hash(secret)])
    else:
        return None
    if row is None:
        return None
    return ShopperCheckout(cart_id=row.cart_id, checkout=row if row.pk is not None else None)


def shopper_checkout_locked(*, store: Store, customer: Customer | None, secret: str | None) -> Checkout | None:
    """The shopper's checkout found by their cart as `shopper_checkout` finds it, its row locked
    (FOR NO KEY UPDATE, as order placement locks it) until the caller's transaction ends; one query.

    Must run inside a transaction. None when there is no cart or the cart has no checkout yet.
    """
    if customer is not None:
        return _LOCKED_CUSTOMER_CHECKOUT.first(store_id=store.pk, customer_id=customer.pk)
    if secret and cart_secret_plausible(secret):
        return _LOCKED_VISITOR_CHECKOUT.first(store_id=store.pk, token_hash=cart_token_hash(secret))
    return None


def _locked_checkouts() -> QuerySet[Checkout]:
    return Checkout.objects.select_for_update(no_key=True, of=("self",)).order_by()


# Built once (core.compiled): the information and shipping steps lock the checkout on every call.
_LOCKED_CUSTOMER_CHECKOUT = CompiledRead(
    lambda store_id, customer_id: _locked_checkouts().filter(
        store_id=store_id, cart__store_id=store_id, cart__customer_id=customer_id
    )[:1],
    name="a customer's checkout, locked",
)
_LOCKED_VISITOR_CHECKOUT = CompiledRead(
    lambda store_id, token_hash: _locked_checkouts().filter(
        store_id=store_id, cart__store_id=store_id, cart__customer__isnull=True, cart__token_hash=token_hash
    )[:1],
    name="a visitor's checkout, locked",
)


@dataclass(frozen=True)
class ShippingChoice:
    method_id: int
    name: str
    price: Decimal
    delivery_estimate: str


@dataclass(frozen=True)
class TaxLineValue:
    name: str
    area: str
    rate: Decimal  # percent
    taxable_amount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class CheckoutLine:
    """A cart line as it will be sold: today's price, and its share of the tax."""

    line: PricedLine
    weight_grams: int  # of the whole line
    tax_rate: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class CheckoutPriced:
    checkout: Checkout
    cart: PricedCart
    currency: str
    prices_include_tax: bool
    lines: list[CheckoutLine]
    subtotal: Decimal
    weight_grams: int
    # Methods offered for the delivery address; empty when there is no address yet, no zone covers it,
    # or none of the zone's methods can carry the order (then `shipping_message` says which).
    shipping_options: list[ShippingChoice]
    # False when an address is given and no zone of the store covers it ("we don't ship there").
    ships_to_address: bool
    shipping_method: ShippingChoice | None
    shipping_total: Decimal
    tax_lines: list[TaxLineValue]
    tax_total: Decimal
    total: Decimal
    # What stops placing the order, for the buyer to read: sold-out or reduced lines, unpublished
    # products, a shipping method no longer offered, a destination the store does not ship to.
    problems: list[str] = field(default_factory=list)
    # What the buyer has not given yet: "email", "phone", "shipping_address", "shipping_method".
    missing: list[str] = field(default_factory=list)
    # Why there is no shipping method to choose though a zone covers the address (none active there,
    # or the order is too heavy for all of them); "" otherwise. Also one of `problems`.
    shipping_message: str = ""
    # SHA-256 over lines (variant, quantity, unit price), shipping, taxes and total: what the buyer saw.
    signature: str = ""

    @property
    def ready(self) -> bool:
        return not self.problems and not self.missing

    @property
    def ships_message(self) -> str:
        """ "We don't ship to Japan." when no zone covers the delivery address; else ""."""
        if self.ships_to_address:
            return ""
        return not_shipped_message(self.checkout.shipping_address or {})


# The largest amount the order's money columns hold (12 digits, 2 of them decimal), and the largest
# weight in grams its integer columns hold (PositiveIntegerField): an order past either cannot be stored.
MAX_ORDER_AMOUNT = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES) - Decimal(1).scaleb(-MONEY_PLACES)
MAX_ORDER_WEIGHT_GRAMS = 2_147_483_647
TOO_LARGE = "This order is too large to place online: contact the store."


def _too_large(*, amounts: list[Decimal], weights: list[int]) -> bool:
    """Whether an amount (a line total, subtotal, shipping, tax, total) or a weight (a line's, the order's)
    is past what an order can store; placing it would fail in the database instead of saying so."""
    return any(abs(amount) > MAX_ORDER_AMOUNT for amount in amounts) or any(w > MAX_ORDER_WEIGHT_GRAMS for w in weights)


NO_SHIPPING_METHOD = (
    "We have no shipping method for this address at the moment. Choose another delivery address, or contact the store."
)


def too_heavy_message(weight_grams: int) -> str:
    """ "This order is too heavy ... (31.5 kg) ..." when every method of the zone stops below its weight."""
    kilograms = f"{weight_grams / 1000:,.1f}".removesuffix(".0")
    return (
        f"This order is too heavy for our shipping methods to this address ({kilograms} kg). "
        "Remove some items, or order them in several orders."
    )


def not_shipped_message(address: Mapping[str, Any]) -> str:
    country = country_name(str(address.get("country", "")))
    area = str(address.get("country_area", ""))
    return f"We don't ship to {country} ({area})." if area else f"We don't ship to {country}."


class NamedLine(Protocol):
    @property
    def product_title(self) -> str: ...

    @property
    def variant_title(self) -> str: ...


def line_name(line: NamedLine) -> str:
    """ "Linen Shirt (M / Blue)": a cart, checkout or order line as messages and emails name it."""
    return f"{line.product_title} ({line.variant_title})" if line.variant_title else line.product_title


def _line_problem(line: PricedLine) -> str | None:
    name = line_name(line)
    if not line.available:
        return f"{name} is no longer on sale. Remove it from your cart to go on."
    if line.max_quantity == 0:
        return f"{name} is sold out."
    if line.over_stock:
        return f"Only {line.max_quantity} of {name} left: lower the quantity in your cart."
    return None


def _signature(
    *, currency: str, lines: list[CheckoutLine], method: ShippingChoice | None, tax_total: Decimal, total: Decimal
) -> str:
    document = {
        "currency": currency,
        "lines": [[item.line.variant_id, item.line.quantity, str(item.line.unit_price)] for item in lines],
        "shipping": [method.method_id, str(method.price)] if method else None,
        "tax": str(tax_total),
        "total": str(total),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def checkout_priced(*, store: Store, checkout: Checkout) -> CheckoutPriced:
    """Price the checkout's cart from today's variants, with shipping and taxes for its address.

    One query (the cart) and one cache round trip for the store's shipping
    and tax settings; on a cache miss three more queries (zones, methods,
    rates). Amounts have the currency's minor-unit places.
    An order whose amounts or weight are past what its columns hold has the
    problem TOO_LARGE (it cannot be placed) rather than failing when saved.
    """
    currency = store.currency
    places = pricing.currency_places(currency)

    def money(amount: Decimal) -> Decimal:
        return pricing.in_minor_units(amount, currency)

    # The cart row itself is not needed to price it: only its id.
    cart = cart_priced(store=store, cart=Cart(pk=checkout.cart_id, store=store))
    problems = [problem for problem in map(_line_problem, cart.lines) if problem]
    on_sale = [line for line in cart.lines if line.available]
    if not on_sale:
        problems.append("Your cart is empty.")
    subtotal = money(pricing.subtotal(line.total for line in on_sale))
    weight = sum(line.unit_weight_grams * line.quantity for line in on_sale)

    address = checkout.shipping_address or {}
    country = str(address.get("country", ""))
    area = str(address.get("country_area", ""))
    offer: ShippingOffer | None = None
    rate: TaxRate | None = None
    if country:
        # Shipping and taxes, read together: one cache round trip instead of two.
        shipping, tax_rows = store_config_pair(
            store.pk, shipping_config_entry(store=store), tax_rates_entry(store=store)
        )
        offer = shipping_offer_in(shipping, country=country, area=area, subtotal=subtotal, weight_grams=weight)
        rate = tax_rate_in(tax_rows, country=country, area=area)
    ships = not country or offer is not None
    if not ships:
        problems.append(not_shipped_message(address))
    quotes = offer.quotes if offer is not None else []
    options = [ShippingChoice(q.method_id, q.name, money(q.price), q.delivery_estimate) for q in quotes]
    shipping_message = ""
    if offer is not None and not options and on_sale:
        # A covered address with nothing to choose from: say why instead of showing an empty choice.
        shipping_message = too_heavy_message(weight) if offer.active_methods else NO_SHIPPING_METHOD
        problems.append(shipping_message)
    method = next((option for option in options if option.method_id == checkout.shipping_method_id), None)
    if checkout.shipping_method_id is not None and method is None and options:
        problems.append("The shipping method you chose is not offered for this address any more: choose another.")
    shipping_total = method.price if method else money(pricing.ZERO)

    taxes = taxes_for(
        line_amounts=[line.total for line in on_sale],
        shipping=shipping_total,
        rate=rate.rate if rate else Decimal(0),
        applies_to_shipping=rate.applies_to_shipping if rate else False,
        prices_include_tax=store.prices_include_tax,
        places=places,
    )
    lines = [
        CheckoutLine(
            line=line,
            weight_grams=line.unit_weight_grams * line.quantity,
            tax_rate=rate.rate if rate else Decimal(0),
            tax_amount=tax,
        )
        for line, tax in zip(on_sale, taxes.line_taxes, strict=True)
    ]
    tax_lines = []
    if rate is not None and taxes.tax_total:
        tax_lines.append(TaxLineValue(rate.name, rate.area, rate.rate, money(taxes.taxable_amount), taxes.tax_total))
    tax_total = money(taxes.tax_total)
    total = subtotal + shipping_total + (pricing.ZERO if store.prices_include_tax else tax_total)
    # Prices and quantities are each bounded (catalog.validation, cart.limits), but not their products:
    # a line of 200 at the highest price, or of 100 at the highest weight, overflows the order's columns.
    if _too_large(
        amounts=[*(item.line.total for item in lines), subtotal, shipping_total, tax_total, total],
        weights=[*(item.weight_grams for item in lines), weight],
    ):
        problems.append(TOO_LARGE)

    missing = [name for name in ("email", "phone") if not getattr(checkout, name)]
    if not address:
        missing.append("shipping_address")
    if method is None:
        missing.append("shipping_method")
    return CheckoutPriced(
        checkout=checkout,
        cart=cart,
        currency=currency,
        prices_include_tax=store.prices_include_tax,
        lines=lines,
        subtotal=subtotal,
        weight_grams=weight,
        shipping_options=options,
        ships_to_address=ships,
        shipping_method=method,
        shipping_total=shipping_total,
        tax_lines=tax_lines,
        tax_total=tax_total,
        total=money(total),
        problems=problems,
        missing=missing,
        shipping_message=shipping_message,
        signature=_signature(currency=currency, lines=lines, method=method, tax_total=tax_total, total=total),
    )


# --- what changed between the review page and "Pay" ---------------------------------------------


def review_snapshot(priced: CheckoutPriced) -> dict[str, Any]:
    """What the buyer sees on the review page, small enough to carry in the page (signed by the caller).

    Only used to say what changed when placing fails with CheckoutChanged;
    prices always come from `checkout_priced`, never from this.
    """
    return {
        "lines": [
            [item.line.variant_id, item.line.quantity, str(item.line.unit_price), line_name(item.line)]
            for item in priced.lines
        ],
        "shipping": str(priced.shipping_total),
        "tax": str(priced.tax_total),
        "total": str(priced.total),
    }


def review_changes(snapshot: Mapping[str, Any] | None, priced: CheckoutPriced) -> list[str]:
    """Sentences for the buyer: what differs between `snapshot` (from `review_snapshot`) and now."""
    from shopwright.catalog.display import format_money

    def money(amount: Any) -> str:
        return format_money(Decimal(str(amount)), priced.currency)

    changes: list[str] = []
    if not isinstance(snapshot, Mapping):
        return changes
    now = {item.line.variant_id: item.line for item in priced.lines}
    seen_ids = set()
    for entry in snapshot.get("lines") or []:
        try:
            variant_id, quantity, price, name = int(entry[0]), int(entry[1]), Decimal(str(entry[2])), str(entry[3])
        except (TypeError, ValueError, IndexError, ArithmeticError):
            continue
        seen_ids.add(variant_id)
        line = now.get(variant_id)
        if line is None:
            changes.append(f"{name} is no longer in your order.")
            continue
        if line.unit_price != price:
            changes.append(f"The price of {name} changed from {money(price)} to {money(line.unit_price)}.")
        if line.quantity != quantity:
            changes.append(f"The quantity of {name} is now {line.quantity} (was {quantity}).")
    for variant_id, line in now.items():
        if variant_id not in seen_ids:
            changes.append(f"{line_name(line)} was added to your order.")
    for key, label, value in (("shipping", "Shipping", priced.shipping_total), ("tax", "Tax", priced.tax_total)):
        if str(snapshot.get(key, "")) != str(value):
            try:
                changes.append(f"{label} changed from {money(snapshot.get(key))} to {money(value)}.")
            except (ArithmeticError, ValueError, TypeError):
                changes.append(f"{label} is now {money(value)}.")
    return changes


def stock_messages(shortfalls: Mapping[int, int], priced: CheckoutPriced) -> list[str]:
    """ "Only 2 of Mug left." / "Mug is sold out." for each variant short of stock."""
    names = {line.variant_id: line_name(line) for line in priced.cart.lines}
    found = []
    for variant_id, left in shortfalls.items():
        name = names.get(variant_id, "An item")
        found.append(f"{name} is sold out." if left <= 0 else f"Only {left} of {name} left.")
    return found
