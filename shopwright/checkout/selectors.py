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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from shopwright.cart import pricing
from shopwright.cart.models import Cart
from shopwright.cart.selectors import PricedCart, PricedLine, cart_priced
from shopwright.shipping.selectors import shipping_quotes
from shopwright.taxes.calculations import taxes_for
from shopwright.taxes.selectors import tax_rate_for

if TYPE_CHECKING:
    from shopwright.checkout.models import Checkout
    from shopwright.stores.models import Store


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
    # Methods offered for the delivery address; empty when there is no address yet or no zone covers it.
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
    # SHA-256 over lines (variant, quantity, unit price), shipping, taxes and total: what the buyer saw.
    signature: str = ""

    @property
    def ready(self) -> bool:
        return not self.problems and not self.missing


def _line_problem(line: PricedLine) -> str | None:
    name = f"{line.product_title} ({line.variant_title})" if line.variant_title else line.product_title
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

    At most four queries: the cart, the store's zones and that zone's
    methods, the tax rate. Amounts have the currency's minor-unit places.
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
    quotes = shipping_quotes(store=store, country=country, area=area, subtotal=subtotal, weight_grams=weight)
    ships = not country or quotes is not None
    if not ships:
        problems.append("Sorry, we don't ship to that country or region.")
    options = [ShippingChoice(q.method_id, q.name, money(q.price), q.delivery_estimate) for q in quotes or []]
    method = next((option for option in options if option.method_id == checkout.shipping_method_id), None)
    if checkout.shipping_method_id is not None and method is None and ships and country:
        problems.append("The shipping method you chose is not offered for this address any more: choose another.")
    shipping_total = method.price if method else money(pricing.ZERO)

    rate = tax_rate_for(store=store, country=country, area=area)
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
        signature=_signature(currency=currency, lines=lines, method=method, tax_total=tax_total, total=total),
    )
